// httpd modules tsproxyd knows only so that a stock httpd.conf (Debian's apache2.conf with mods-enabled, RHEL's
// conf.modules.d) loads unchanged: file serving, authorization, MIME types, directory listings. As in httpd,
// their directives exist only after `LoadModule`; tsproxyd checks their argument counts and contexts and then
// ignores them (one notice says so). A module in neither this list nor the implemented ones is a LoadModule error.
import { acceptRow } from '../../config/rows.js';
import type { Arity, DirectiveDef, ModuleDef, SectionClass, SectionDef, Where } from '../../config/types.js';

type Spec = readonly [name: string, args: Arity, where: 'S' | 'SV' | 'SVD' | 'D'];

const WHERE: Record<Spec[2], readonly Where[]> = {
  S: ['server'],
  SV: ['server', 'vhost'],
  SVD: ['server', 'vhost', 'dir'],
  D: ['dir'],
};

function ignored(
  name: string,
  why: string,
  specs: readonly Spec[],
  sections: readonly { name: string; cls: SectionClass }[] = [],
): ModuleDef {
  const directives: DirectiveDef[] = specs.map(([n, args, w]) => acceptRow(n, args, WHERE[w], ''));
  const secs: SectionDef[] = sections.map((s) => ({ name: s.name, cls: s.cls, where: WHERE.SVD, opens: 'dir', help: '' }));
  return {
    name,
    id: `${name}_module`,
    source: `mod_${name}.c`,
    builtin: false,
    ignoredBecause: why,
    createServer: () => ({}),
    createDir: () => ({}),
    directives,
    sections: secs,
  };
}

const FILES = 'tsproxyd serves no files';
const AUTH = 'tsproxyd does not authenticate or authorize requests yet';

export const COMPAT_MODULES: readonly ModuleDef[] = [
  ignored('authz_user', AUTH, []),
  ignored('authz_groupfile', AUTH, [['AuthGroupFile', 'TAKE1', 'D']]),
  ignored('authn_core', AUTH, [
    ['AuthType', 'TAKE1', 'D'],
    ['AuthName', 'TAKE1', 'D'],
  ], [{ name: 'AuthnProviderAlias', cls: 'If' }]),
  ignored('authn_file', AUTH, [['AuthUserFile', 'TAKE12', 'D']]),
  ignored('auth_basic', AUTH, [
    ['AuthBasicProvider', 'ITERATE', 'D'],
    ['AuthBasicAuthoritative', 'FLAG', 'D'],
    ['AuthBasicFake', 'TAKE12', 'D'],
    ['AuthBasicUseDigestAlgorithm', 'TAKE1', 'D'],
  ]),
  ignored('access_compat', AUTH, [
    ['Order', 'TAKE1', 'D'],
    ['Allow', 'ITERATE2', 'D'],
    ['Deny', 'ITERATE2', 'D'],
    ['Satisfy', 'ITERATE', 'D'],
  ]),
  ignored('alias', FILES, [
    ['Alias', 'TAKE12', 'SVD'],
    ['AliasMatch', 'TAKE2', 'SV'],
    ['ScriptAlias', 'TAKE12', 'SVD'],
    ['ScriptAliasMatch', 'TAKE2', 'SV'],
    ['Redirect', 'TAKE123', 'SVD'],
    ['RedirectMatch', 'TAKE23', 'SVD'],
    ['RedirectPermanent', 'TAKE12', 'SVD'],
    ['RedirectTemp', 'TAKE12', 'SVD'],
    ['AliasPreservePath', 'FLAG', 'SVD'],
  ]),
  ignored('dir', FILES, [
    ['DirectoryIndex', 'RAW_ARGS', 'SVD'],
    ['DirectorySlash', 'FLAG', 'SVD'],
    ['FallbackResource', 'TAKE1', 'SVD'],
    ['DirectoryCheckHandler', 'FLAG', 'SVD'],
    ['DirectoryIndexRedirect', 'TAKE1', 'SVD'],
  ]),
  ignored('mime', FILES, [
    ['AddType', 'ITERATE2', 'SVD'],
    ['AddEncoding', 'ITERATE2', 'SVD'],
    ['AddCharset', 'ITERATE2', 'SVD'],
    ['AddHandler', 'ITERATE2', 'SVD'],
    ['AddLanguage', 'ITERATE2', 'SVD'],
    ['AddInputFilter', 'ITERATE2', 'SVD'],
    ['AddOutputFilter', 'ITERATE2', 'SVD'],
    ['RemoveType', 'ITERATE', 'SVD'],
    ['RemoveHandler', 'ITERATE', 'SVD'],
    ['RemoveEncoding', 'ITERATE', 'SVD'],
    ['RemoveCharset', 'ITERATE', 'SVD'],
    ['RemoveLanguage', 'ITERATE', 'SVD'],
    ['RemoveInputFilter', 'ITERATE', 'SVD'],
    ['RemoveOutputFilter', 'ITERATE', 'SVD'],
    ['DefaultLanguage', 'TAKE1', 'SVD'],
    ['MultiviewsMatch', 'ITERATE', 'SVD'],
    ['ModMimeUsePathInfo', 'FLAG', 'D'],
    ['TypesConfig', 'TAKE1', 'S'],
  ]),
  ignored('mime_magic', FILES, [['MIMEMagicFile', 'TAKE1', 'SV']]),
  ignored('negotiation', FILES, [
    ['LanguagePriority', 'ITERATE', 'SVD'],
    ['ForceLanguagePriority', 'ITERATE', 'SVD'],
    ['CacheNegotiatedDocs', 'FLAG', 'SV'],
  ]),
  ignored('autoindex', FILES, [
    ['IndexOptions', 'RAW_ARGS', 'SVD'],
    ['IndexIgnore', 'ITERATE', 'SVD'],
    ['IndexIgnoreReset', 'FLAG', 'SVD'],
    ['IndexOrderDefault', 'TAKE2', 'SVD'],
    ['IndexStyleSheet', 'TAKE1', 'SVD'],
    ['IndexHeadInsert', 'TAKE1', 'SVD'],
    ['AddIcon', 'ITERATE2', 'SVD'],
    ['AddIconByType', 'ITERATE2', 'SVD'],
    ['AddIconByEncoding', 'ITERATE2', 'SVD'],
    ['AddAlt', 'ITERATE2', 'SVD'],
    ['AddAltByType', 'ITERATE2', 'SVD'],
    ['AddAltByEncoding', 'ITERATE2', 'SVD'],
    ['AddDescription', 'ITERATE2', 'SVD'],
    ['DefaultIcon', 'TAKE1', 'SVD'],
    ['ReadmeName', 'TAKE1', 'SVD'],
    ['HeaderName', 'TAKE1', 'SVD'],
  ]),
  ignored('deflate', 'tsproxyd relays bodies as the backend sends them', [
    ['DeflateCompressionLevel', 'TAKE1', 'SV'],
    ['DeflateBufferSize', 'TAKE1', 'SV'],
    ['DeflateWindowSize', 'TAKE1', 'SV'],
    ['DeflateMemLevel', 'TAKE1', 'SV'],
    ['DeflateFilterNote', 'TAKE12', 'SV'],
    ['DeflateAlterETag', 'TAKE1', 'SV'],
    ['DeflateInflateLimitRequestBody', 'TAKE1', 'SVD'],
    ['DeflateInflateRatioLimit', 'TAKE1', 'SVD'],
    ['DeflateInflateRatioBurst', 'TAKE1', 'SVD'],
  ]),
  ignored('filter', 'tsproxyd relays bodies as the backend sends them', [
    ['FilterDeclare', 'TAKE12', 'SVD'],
    ['FilterProvider', 'TAKE23', 'SVD'],
    ['FilterChain', 'ITERATE', 'SVD'],
    ['FilterProtocol', 'TAKE23', 'SVD'],
    ['FilterTrace', 'TAKE2', 'SVD'],
  ]),
  ignored('reqtimeout', 'tsproxyd enforces Timeout and its own header timeouts', [['RequestReadTimeout', 'RAW_ARGS', 'SV']]),
  ignored('expires', FILES, [
    ['ExpiresActive', 'FLAG', 'SVD'],
    ['ExpiresByType', 'TAKE2', 'SVD'],
    ['ExpiresDefault', 'TAKE1', 'SVD'],
  ]),
  ignored('userdir', FILES, [['UserDir', 'RAW_ARGS', 'SV']]),
  ignored('cgi', FILES, [
    ['ScriptLog', 'TAKE1', 'S'],
    ['ScriptLogLength', 'TAKE1', 'S'],
    ['ScriptLogBuffer', 'TAKE1', 'S'],
  ]),
  ignored('cgid', FILES, [
    ['ScriptSock', 'TAKE1', 'S'],
    ['CGIDScriptTimeout', 'TAKE1', 'SVD'],
  ]),
  ignored('include', FILES, [
    ['XBitHack', 'TAKE1', 'SVD'],
    ['SSIErrorMsg', 'TAKE1', 'SVD'],
    ['SSITimeFormat', 'TAKE1', 'SVD'],
    ['SSIStartTag', 'TAKE1', 'SV'],
    ['SSIEndTag', 'TAKE1', 'SV'],
    ['SSIUndefinedEcho', 'TAKE1', 'SVD'],
    ['SSILegacyExprParser', 'FLAG', 'SVD'],
    ['SSILastModified', 'FLAG', 'SVD'],
    ['SSIEtag', 'FLAG', 'SVD'],
  ]),
  ignored('info', 'tsproxyd has its own status page', [['AddModuleInfo', 'TAKE2', 'SV']]),
  ignored('unique_id', 'not used by tsproxyd', []),
  ignored('systemd', 'tsproxyd runs in the foreground under systemd without it', []),
  ignored('logio', 'tsproxyd counts bytes itself', [['LogIOTrackTTFB', 'FLAG', 'SVD']]),
  ignored('version', 'tsproxyd evaluates <IfVersion> itself', []),
  ignored('unixd', 'tsproxyd does not change user', []),
  ignored('mpm_event', 'tsproxyd has its own process model', []),
  ignored('mpm_worker', 'tsproxyd has its own process model', []),
  ignored('mpm_prefork', 'tsproxyd has its own process model', []),
  ignored('http2', 'tsproxyd speaks HTTP/1.1 to clients', [
    ['H2Direct', 'FLAG', 'SV'],
    ['H2Push', 'FLAG', 'SVD'],
    ['H2WebSockets', 'FLAG', 'SV'],
    ['H2MaxSessionStreams', 'TAKE1', 'SV'],
  ]),
  ignored('remoteip', 'tsproxyd does not rewrite the client address yet', [
    ['RemoteIPHeader', 'TAKE1', 'SV'],
    ['RemoteIPProxiesHeader', 'TAKE1', 'SV'],
    ['RemoteIPInternalProxy', 'ITERATE', 'SV'],
    ['RemoteIPInternalProxyList', 'TAKE1', 'SV'],
    ['RemoteIPTrustedProxy', 'ITERATE', 'SV'],
    ['RemoteIPTrustedProxyList', 'TAKE1', 'SV'],
    ['RemoteIPProxyProtocol', 'FLAG', 'SV'],
  ]),
];
