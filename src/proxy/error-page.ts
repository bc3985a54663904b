// The pages httpd 2.4.71 sends for errors it generates (ap_send_error_response and get_canned_error_string in
// modules/http/http_protocol.c; ap_proxyerror in modules/proxy/proxy_util.c). Every text below was checked
// byte for byte against apache2 (mod_rewrite [R=NNN] for the plain pages, dead/slow/DNS-less backends for the proxy
// ones), including httpd's mix of "\n" and "\r\n" in the 502 text. No request data appears in a page, except the
// method name where httpd prints it (405, 411, 413, 501); reasons are HTML-escaped (CVE-2019-10092).

export interface ErrorPage {
  readonly status: number;
  /** The reason phrase: "Proxy Error" for ap_proxyerror, else the standard one. */
  readonly reasonPhrase: string;
  readonly body: string;
  /** httpd closes the client connection after these statuses (ap_status_drops_connection). */
  readonly close: boolean;
  readonly contentType: string;
}

export const REASON_PHRASES: Readonly<Record<number, string>> = {
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed',
  413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed', 421: 'Misdirected Request', 426: 'Upgrade Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported', 507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended',
};

const DROPS_CONNECTION = new Set([400, 408, 411, 413, 414, 500, 501, 503]);

const INTERNAL_ERROR =
  '<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n' +
  '<p>Please contact the server administrator at \n [no address given] to inform them of the time this error occurred,\n' +
  ' and the actions you performed just before this error.</p>\n' +
  '<p>More information about this error may be available\nin the server error log.</p>\n';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * get_canned_error_string: `notes` is r->notes "error-notes" (already HTML), shown only where httpd shows it;
 * `location` a redirect's Location (mod_rewrite [R]; checked with apache2: 305 does not show it, 300 has no text).
 */
function canned(status: number, method: string, notes: string | undefined, location: string): string {
  const n = notes ?? '';
  switch (status) {
    case 300:
      return '';
    case 301:
    case 302:
    case 307:
    case 308:
      return `<p>The document has moved <a href="${escapeHtml(location)}">here</a>.</p>\n`;
    case 303:
      return `<p>The answer to your request is located <a href="${escapeHtml(location)}">here</a>.</p>\n`;
    case 305:
      return '<p>This resource is only accessible through the proxy\n<br />\nYou will need to configure your client to use that proxy.</p>\n';
    case 400:
      return `<p>Your browser sent a request that this server could not understand.<br />\n${n}</p>\n`;
    case 401:
      return '<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn\'t understand how to supply\nthe credentials required.</p>\n';
    case 403:
      return "<p>You don't have permission to access this resource.</p>\n";
    case 404:
      return '<p>The requested URL was not found on this server.</p>\n';
    case 405:
      return `<p>The requested method ${escapeHtml(method)} is not allowed for this URL.</p>\n`;
    case 408:
      return '<p>Server timeout waiting for the HTTP request from the client.</p>\n';
    case 410:
      return '<p>The requested resource is no longer available on this server and there is no forwarding address.\nPlease remove all references to this resource.</p>\n';
    case 411:
      return `<p>A request of the requested method ${escapeHtml(method)} requires a valid Content-length.<br />\n${n}</p>\n`;
    case 412:
      return '<p>The precondition on the request for this URL evaluated to false.</p>\n';
    case 413:
      return `The requested resource does not allow request data with ${escapeHtml(method)} requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n`;
    case 414:
      return `<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n${n}</p>\n`;
    case 415:
      return '<p>The supplied request data is not in a format\nacceptable for processing by this resource.</p>\n';
    case 417:
      return '<p>No expectation was seen, the Expect request-header \nfield was not presented by the client.\n</p><p>Only the 100-continue expectation is supported.</p>\n';
    case 426:
      return "<p>The requested resource can only be retrieved using SSL.  The server is willing to upgrade the current connection to SSL, but your client doesn't support it. Either upgrade your client, or try requesting the page using https://\n";
    case 429:
      return '<p>The user has sent too many requests\nin a given amount of time.</p>\n';
    case 431:
      return '<p>The server refused this request because\nthe request header fields are too large.</p>\n';
    case 500:
      return notes !== undefined ? `${notes}<p />\n` : INTERNAL_ERROR;
    case 501:
      return `<p>${escapeHtml(method)} not supported for current URL.<br />\n${n}</p>\n`;
    case 502:
      return `<p>The proxy server received an invalid\r\nresponse from an upstream server.<br />\r\n${n}</p>\n`;
    case 503:
      return '<p>The server is temporarily unable to service your\nrequest due to maintenance downtime or capacity\nproblems. Please try again later.</p>\n';
    case 504:
      return '<p>The gateway did not receive a timely response\nfrom the upstream server or application.</p>\n';
    default:
      return INTERNAL_ERROR;
  }
}

export interface ErrorPageOptions {
  readonly method?: string;
  /** ap_proxyerror's message: the status line becomes "NNN Proxy Error" and the message the page's Reason. */
  readonly proxyReason?: string;
  /** Plain error-notes text (escaped here), e.g. "Size of a request header field exceeds server limit." */
  readonly notes?: string;
  /** error-notes that are HTML already (mod_ssl's "Reason: …<br />"), shown as they are; `notes` wins. */
  readonly notesHtml?: string;
  /** A redirect's Location, shown in the 3xx pages. */
  readonly location?: string;
}

export function errorPage(status: number, opts: ErrorPageOptions = {}): ErrorPage {
  const proxy = opts.proxyReason !== undefined;
  const reasonPhrase = proxy ? 'Proxy Error' : (REASON_PHRASES[status] ?? 'Unknown Reason');
  const notes = proxy
    ? `The proxy server could not handle the request<p>Reason: <strong>${escapeHtml(opts.proxyReason!)}</strong></p>`
    : opts.notes !== undefined
      ? escapeHtml(opts.notes)
      : opts.notesHtml;
  const body =
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n' +
    `<html><head>\n<title>${status} ${reasonPhrase}</title>\n</head><body>\n<h1>${reasonPhrase}</h1>\n` +
    canned(status, opts.method ?? 'GET', notes, opts.location ?? '') +
    '</body></html>\n';
  return { status, reasonPhrase, body, close: DROPS_CONNECTION.has(status), contentType: 'text/html; charset=iso-8859-1' };
}
