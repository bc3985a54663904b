// backendServername (src/proxy/backend-tls.ts): the SNI name httpd sends to a TLS backend (conn->ssl_hostname).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendServername } from '../../src/proxy/backend-tls.js';

test('the backend URL host, none for an IP address', () => {
  assert.equal(backendServername('localhost', false, 'd.test'), 'localhost');
  assert.equal(backendServername('127.0.0.1', false, 'd.test'), undefined);
  assert.equal(backendServername('::1', false, undefined), undefined);
});

test("ProxyPreserveHost On: the request's host name, lower case, without port and trailing dot", () => {
  assert.equal(backendServername('localhost', true, 'D.Test:8443'), 'd.test');
  assert.equal(backendServername('localhost', true, 'd.test.'), 'd.test');
  assert.equal(backendServername('localhost', true, '192.0.2.1:443'), undefined);
  assert.equal(backendServername('localhost', true, '[::1]:443'), undefined);
  assert.equal(backendServername('backend.test', true, undefined), 'backend.test');
});
