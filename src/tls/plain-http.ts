// mod_ssl's answer to plain HTTP on a TLS port (ssl_io_filter_error, MODSSL_ERROR_HTTP_ON_HTTPS, then
// ssl_hook_ReadReq): the 400 page with its reason, in plain text, and the connection closed. httpd answers as if the
// request were "GET / HTTP/1.0" (the page has its body whatever the method), at once (verified with apache2 2.4.71).
import type { Socket } from 'node:net';
import { writeRawErrorPage } from '../proxy/respond.js';

const NOTES = "Reason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n Instead use the HTTPS scheme to access this URL, please.<br />\n";

export function answerPlainHttp(socket: Socket, log: (line: string) => void): void {
  log(`[ssl:info] ${socket.remoteAddress}:${socket.remotePort} AH01996: SSL handshake failed: HTTP spoken on HTTPS port; trying to send HTML error page`);
  writeRawErrorPage(socket, 400, { notesHtml: NOTES });
}
