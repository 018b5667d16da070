/** Kind of an endpoint failure, stable for dashboards and metrics. */
export type AttemptErrorClass =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns_failure'
  | 'blocked_address'
  | 'tls_error'
  | 'invalid_response'
  | 'redirect'
  | 'http_status'
  | 'network_error';

interface ClassifiedError {
  errorClass: AttemptErrorClass;
  errorMessage: string;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** Maps an error raised while talking to an endpoint to a class and a message for its owner. */
export function classifyRequestError(error: unknown, timeoutMs: number): ClassifiedError {
  const code = findCode(error);
  const detail = isErrorLike(error) ? String(error.message) : String(error);

  // Raised by the checked connector before any socket exists. Its message names the range.
  if (code === 'ERR_BLOCKED_ADDRESS') {
    return { errorClass: 'blocked_address', errorMessage: detail };
  }
  if (isTimeout(error, code)) {
    return {
      errorClass: 'timeout',
      errorMessage: `no complete answer within ${timeoutMs / 1000} s; answer 2xx first and do slow work afterwards`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      errorClass: 'connection_refused',
      errorMessage: 'connection refused; is the server listening on that port?',
    };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return {
      errorClass: 'connection_reset',
      errorMessage: `connection closed by the endpoint before it answered (${detail})`,
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') {
    return { errorClass: 'dns_failure', errorMessage: `host name did not resolve (${code})` };
  }
  if (
    code !== undefined &&
    (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))
  ) {
    return { errorClass: 'tls_error', errorMessage: `TLS handshake failed: ${detail}` };
  }
  // undici 7 leaves `code` unset on parser errors, so the class name is the reliable sign.
  const parserError = isErrorLike(error) && error.name === 'HTTPParserError';
  if (
    parserError ||
    (code !== undefined && (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW'))
  ) {
    return {
      errorClass: 'invalid_response',
      errorMessage: `endpoint sent an invalid HTTP response (${detail})`,
    };
  }
  return { errorClass: 'network_error', errorMessage: `request failed: ${detail}` };
}

function isTimeout(error: unknown, code: string | undefined): boolean {
  if (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return true;
  }
  const name = isErrorLike(error) ? error.name : '';
  return name === 'TimeoutError' || name === 'AbortError';
}

// Duck typing instead of instanceof: an abort raises a DOMException, and errors can come from
// another realm (a test runner's sandbox), where instanceof Error is false.
function isErrorLike(
  value: unknown,
): value is { name: string; message: string; code?: unknown; cause?: unknown } {
  return typeof value === 'object' && value !== null && 'name' in value && 'message' in value;
}

// undici wraps the socket's error, so the useful code can sit one or two causes down.
function findCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isErrorLike(current); depth++) {
    const code = current.code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    current = current.cause;
  }
  return undefined;
}
