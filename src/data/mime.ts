// Minimal MIME reader for e-mail: subject and readable body text (quoted-printable, base64, multipart, charsets).
import { htmlToText, looksLikeHtml } from './html-text.js';
import { decodeWindows1252, firstInvalidUtf8 } from './text-decode.js';

/**
 * Mail is handled as a "binary string": one UTF-16 code unit per byte (Latin-1 decoding), so the
 * structure can be parsed with string functions and each text part decoded with its own charset.
 */
type BinaryString = string;

interface Part {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: BinaryString;
}

interface ContentType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

/** The subject and readable body of a message, without any other header. */
export interface MailText {
  readonly subject: string;
  readonly body: string;
}

const MAX_DEPTH = 8;

/** Reads the subject and body text of a raw RFC 822 message. */
export function mailText(raw: Uint8Array): MailText {
  // An mbox "From " envelope line may precede the headers.
  const message = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    .toString('latin1')
    .replace(/^From [^\n]*\n/, '');
  const part = splitPart(message);
  const embedded = parseContentType(part.headers.get('content-type')).type.startsWith('multipart/') ? undefined : embeddedHeaders(part.body);
  const inner = embedded === undefined ? part : splitPart(embedded);
  const subject = normalizeText(decodeHeader(part.headers.get('subject') || inner.headers.get('subject') || ''));
  const leaves: Leaf[] = [];
  collect(inner, 0, leaves);
  const plain = leaves.filter((leaf) => !leaf.html).map((leaf) => leaf.text);
  const chosen = plain.some((text) => text !== '') ? plain : leaves.map((leaf) => leaf.text);
  return { subject, body: normalizeText(chosen.filter((text) => text !== '').join('\n\n')) };
}

const WELL_KNOWN_HEADER = /^(received|return-path|message-id|from|to|subject|date|content-type|mime-version)$/i;

/**
 * A body that starts with a second header block (broken relays put the real headers after a blank
 * line, sometimes after the SMTP "DATA" command): that block and the rest, so that it is parsed as
 * the message instead of leaking header lines into the text. Undefined for ordinary bodies.
 */
function embeddedHeaders(body: BinaryString): BinaryString | undefined {
  const lead = /^(?:[ \t]*(?:DATA)?[ \t]*\r?\n){0,3}/.exec(body)?.[0].length ?? 0;
  // A header block is short; looking at the start keeps this cheap on long bodies.
  const lines = body.slice(lead, lead + 16384).split(/\r?\n/);
  let headerLines = 0;
  let wellKnown = false;
  let end = 0;
  for (; end < lines.length - 1; end++) {
    const line = lines[end] as string;
    if (line === '') break;
    if (/^[ \t]/.test(line) && headerLines > 0) continue;
    const name = /^([A-Za-z][A-Za-z0-9-]*):/.exec(line)?.[1];
    if (name === undefined) return undefined;
    headerLines++;
    wellKnown ||= WELL_KNOWN_HEADER.test(name);
  }
  if (headerLines < 3 || !wellKnown || lines[end] !== '') return undefined;
  return body.slice(lead);
}

/** Splits headers (names lower-cased, folded lines joined, first occurrence kept) from the body. */
function splitPart(raw: BinaryString): Part {
  const match = /\r?\n\r?\n/.exec(raw);
  // A part without a header line (and without the blank line that should say so) is all body.
  const noHeaders = /^\r?\n/.test(raw) || !/^[!-9;-~]+:/.test(raw);
  const head = noHeaders ? '' : match ? raw.slice(0, match.index) : raw;
  const body = noHeaders ? raw.replace(/^\r?\n/, '') : match ? raw.slice(match.index + match[0].length) : '';
  // Folded header lines continue the previous line (RFC 5322 section 2.2.3).
  const logical: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && logical.length > 0) logical[logical.length - 1] += ` ${line.trim()}`;
    else logical.push(line);
  }
  const headers = new Map<string, string>();
  for (const line of logical) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function parseContentType(value: string | undefined): ContentType {
  const [type = '', ...rest] = (value ?? '').split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const raw = param.slice(eq + 1).trim();
    params.set(key, raw.startsWith('"') ? raw.slice(1, raw.indexOf('"', 1) > 0 ? raw.indexOf('"', 1) : undefined) : raw);
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

interface Leaf {
  readonly html: boolean;
  readonly text: string;
}

function collect(part: Part, depth: number, leaves: Leaf[]): void {
  const contentType = parseContentType(part.headers.get('content-type'));
  const { type } = contentType;
  const disposition = part.headers.get('content-disposition') ?? '';
  if (depth > 0 && /^\s*attachment/i.test(disposition)) return;
  if (type.startsWith('multipart/') && depth < MAX_DEPTH) {
    const children = splitMultipart(part.body, contentType.params.get('boundary'));
    if (children === undefined) {
      leaves.push(textLeaf(part, contentType));
      return;
    }
    if (type === 'multipart/alternative') {
      // Alternatives say the same thing; keep the plain one when there is one.
      const options = children.map((child) => {
        const found: Leaf[] = [];
        collect(child, depth + 1, found);
        return found;
      });
      const best = options.find((found) => found.some((leaf) => !leaf.html && leaf.text !== '')) ?? options.find((found) => found.length > 0);
      if (best) leaves.push(...best);
      return;
    }
    for (const child of children) collect(child, depth + 1, leaves);
    return;
  }
  if (type === 'message/rfc822' && depth < MAX_DEPTH) {
    collect(splitPart(transferDecode(part).toString('latin1')), depth + 1, leaves);
    return;
  }
  if (type === 'text/plain' || type === 'text' || type === 'text/html' || type === 'text/enriched' || type.startsWith('multipart/')) {
    leaves.push(textLeaf(part, contentType));
  }
}

function textLeaf(part: Part, contentType: ContentType): Leaf {
  const text = decodeCharset(transferDecode(part), contentType.params.get('charset'));
  const html = contentType.type === 'text/html' || contentType.type === 'text/enriched';
  return { html, text: html || looksLikeHtml(text) ? htmlToText(text) : text };
}

/** Parts between `--boundary` lines; undefined when the boundary is missing or never occurs. */
function splitMultipart(body: BinaryString, boundary: string | undefined): Part[] | undefined {
  if (!boundary) return undefined;
  const marker = `--${boundary}`;
  const lines = body.split(/\r?\n/);
  const parts: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (line.startsWith(marker)) {
      const rest = line.slice(marker.length).trimEnd();
      if (rest === '' || rest === '--') {
        if (current) parts.push(current);
        current = rest === '--' ? undefined : [];
        if (rest === '--') break;
        continue;
      }
    }
    current?.push(line);
  }
  if (current) parts.push(current);
  if (parts.length === 0) return undefined;
  return parts.map((partLines) => splitPart(partLines.join('\n')));
}

/** The body's bytes after undoing its Content-Transfer-Encoding. */
function transferDecode(part: Part): Buffer {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return Buffer.from(decodeQuotedPrintable(part.body), 'latin1');
  return Buffer.from(part.body, 'latin1');
}

/** Undoes quoted-printable on a binary string; malformed escapes are kept as they are. */
export function decodeQuotedPrintable(text: BinaryString): BinaryString {
  return text.replace(/=[ \t]*\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Bytes to text in the declared charset. Undeclared, unknown, UTF-8 and the Latin-1 family
 * (us-ascii and iso-8859-1 are often a lie in mail) become UTF-8 when the bytes are valid UTF-8,
 * else windows-1252.
 */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const name = (charset ?? '').trim().toLowerCase();
  let encoding: string | undefined;
  try {
    encoding = name === '' ? undefined : new TextDecoder(name).encoding;
  } catch {
    // An unknown charset name: guess below.
  }
  // us-ascii, iso-8859-1 and their aliases all resolve to windows-1252, which is decoded by hand.
  if (encoding !== undefined && encoding !== 'windows-1252' && encoding !== 'utf-8') return new TextDecoder(encoding).decode(bytes);
  if (firstInvalidUtf8(bytes) < 0) return new TextDecoder('utf-8').decode(bytes);
  return decodeWindows1252(bytes);
}

/** Decodes RFC 2047 encoded words (=?charset?B|Q?...?=) and raw 8-bit bytes in a header value. */
export function decodeHeader(value: BinaryString): string {
  const words = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  // Runs of bytes with their charset; adjacent words in one charset are joined before decoding,
  // because senders split multi-byte characters across words.
  const runs: { charset: string | undefined; bytes: Buffer[] }[] = [];
  let last = 0;
  for (let match = words.exec(value); match !== null; match = words.exec(value)) {
    const between = value.slice(last, match.index);
    const previous = runs[runs.length - 1];
    const [, rawCharset = '', kind = '', data = ''] = match;
    const charset = rawCharset.split('*')[0]?.toLowerCase();
    const bytes = kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : Buffer.from(decodeQuotedPrintable(data.replace(/_/g, ' ')), 'latin1');
    // Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
    const adjacent = previous !== undefined && previous.charset !== undefined && between.trim() === '' && last > 0;
    if (!adjacent && between !== '') runs.push({ charset: undefined, bytes: [Buffer.from(between, 'latin1')] });
    const tail = runs[runs.length - 1];
    if (adjacent && tail !== undefined && tail.charset === charset) tail.bytes.push(bytes);
    else runs.push({ charset, bytes: [bytes] });
    last = match.index + match[0].length;
  }
  if (last < value.length) runs.push({ charset: undefined, bytes: [Buffer.from(value.slice(last), 'latin1')] });
  return runs.map((run) => decodeCharset(Buffer.concat(run.bytes), run.charset)).join('');
}

/** One newline convention, no trailing spaces, at most one blank line in a row, no invisible padding. */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
