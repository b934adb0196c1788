// Tests of the e-mail reader behind the spam-assassin data set: encodings, multipart choices, charsets, no headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEntities, htmlToText } from './html-text.js';
import { decodeCharset, decodeHeader, decodeQuotedPrintable, mailText } from './mime.js';

const mail = (text: string): Uint8Array => Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');

test('plain message: subject and body, and no other header in the text', () => {
  const { subject, body } = mailText(
    mail(
      'From someone@example.com  Thu Aug 22 12:36:23 2002\nX-Spam-Status: Yes, hits=9\nSubject: Hello\n there\nFrom: a@b.c\n\nLine one.  \n\n\n\nLine two.\n',
    ),
  );
  assert.equal(subject, 'Hello there');
  assert.equal(body, 'Line one.\n\nLine two.');
});

test('quoted-printable and base64 bodies are decoded in their charset', () => {
  const qp = mailText(
    mail('Subject: qp\nContent-Type: text/plain; charset="iso-8859-1"\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 soft=\nbreak, a=3Db\n'),
  );
  assert.equal(qp.body, 'Café softbreak, a=b');
  const encoded = Buffer.from('Привет, мир', 'utf8').toString('base64');
  const b64 = mailText(
    mail(`Subject: b64\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: BASE64\n\n${encoded.slice(0, 8)}\n${encoded.slice(8)}\n`),
  );
  assert.equal(b64.body, 'Привет, мир');
  const koi8 = mailText(
    Buffer.concat([mail('Subject: k\nContent-Type: text/plain; charset=koi8-r\n\n'), Uint8Array.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4])]),
  );
  assert.equal(koi8.body, 'Привет');
});

test('multipart/alternative keeps the plain part; html alone is stripped', () => {
  const alternative = mailText(
    mail(
      'Subject: alt\nContent-Type: multipart/alternative; boundary="XX"\n\npreamble\n--XX\nContent-Type: text/plain\n\nplain words\n--XX\nContent-Type: text/html\n\n<p>html words</p>\n--XX--\nepilogue\n',
    ),
  );
  assert.equal(alternative.body, 'plain words');
  const htmlOnly = mailText(
    mail(
      'Subject: h\nContent-Type: multipart/alternative;\n\tboundary=YY\n\n--YY\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: quoted-printable\n\n<html><head><style>p{}</style></head><body><p>Buy=20now</p><br>cheap &amp; fast</body></html>\n--YY--\n',
    ),
  );
  assert.equal(htmlOnly.body, 'Buy now\n\ncheap & fast');
});

test('multipart/mixed joins text parts, skips attachments and binary parts, reads nested messages', () => {
  const { body } = mailText(
    mail(
      [
        'Subject: mixed',
        'Content-Type: multipart/mixed; boundary=B1',
        '',
        '--B1',
        'Content-Type: text/plain',
        '',
        'first part',
        '--B1',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64',
        '',
        'AAECAwQ=',
        '--B1',
        'Content-Type: text/plain; name="notes.txt"',
        'Content-Disposition: attachment; filename="notes.txt"',
        '',
        'attached text',
        '--B1',
        'Content-Type: message/rfc822',
        '',
        'Subject: inner',
        'X-Spam-Flag: YES',
        '',
        'forwarded body',
        '--B1--',
        '',
      ].join('\n'),
    ),
  );
  assert.equal(body, 'first part\n\nforwarded body');
});

test('a plain body that is an HTML document is stripped; a part without headers is all body', () => {
  assert.equal(mailText(mail('Subject: s\n\n<HTML><BODY>Hi <b>there</b></BODY></HTML>\n')).body, 'Hi there');
  const noHeaderPart = mailText(mail('Subject: s\nContent-Type: multipart/mixed; boundary=Q\n\n--Q\nno header line here\n--Q--\n'));
  assert.equal(noHeaderPart.body, 'no header line here');
  const missingBoundary = mailText(mail('Subject: s\nContent-Type: multipart/mixed\n\njust text\n'));
  assert.equal(missingBoundary.body, 'just text');
});

test('encoded subjects: B and Q words, adjacent words joined, raw 8-bit bytes', () => {
  assert.equal(decodeHeader('=?utf-8?B?w6k=?= =?utf-8?B?w6k=?='), 'éé');
  assert.equal(decodeHeader('Re: =?iso-8859-1?Q?caf=E9_cr=E8me?= today'), 'Re: café crème today');
  // A multi-byte character split across two words.
  assert.equal(decodeHeader('=?utf-8?Q?=C3?= =?utf-8?Q?=A9t=C3=A9?='), 'été');
  assert.equal(decodeHeader('=?koi8-r?B?8NLJ18XU?= and =?utf-8?Q?x?='), 'Привет and x');
  assert.equal(decodeHeader('caf\xe9'), 'café');
  assert.equal(decodeHeader('=?x-unknown?Q?abc?='), 'abc');
  assert.equal(mailText(mail('Subject: =?big5?B?pKSk5Q==?=\n\nbody\n')).subject, '中文');
});

test('a second header block at the start of the body is parsed as the message, not kept as text', () => {
  const broken = mailText(
    mail('Received: by relay\nSubject: \n\n\nDATA\nMessage-ID: <x@y>\nFrom: a@b.c\nSubject: Real subject\nContent-Type: text/html\n\n<p>Real body</p>\n'),
  );
  assert.deepEqual(broken, { subject: 'Real subject', body: 'Real body' });
  // A body that merely mentions a colon is left alone.
  assert.equal(mailText(mail('Subject: s\n\nNote: this\nis: fine\n')).body, 'Note: this\nis: fine');
});

test('charset fallbacks and quoted-printable edge cases', () => {
  assert.equal(decodeCharset(Buffer.from('é', 'utf8'), 'us-ascii'), 'é');
  assert.equal(decodeCharset(Uint8Array.from([0x93, 0x68, 0x69, 0x94]), 'us-ascii'), '“hi”');
  assert.equal(decodeCharset(Uint8Array.from([0xe9]), 'no-such-charset'), 'é');
  assert.equal(decodeQuotedPrintable('a=3Db=\r\nc= \nd=ZZ'), 'a=bcd=ZZ');
});

test('HTML to text: scripts, styles and comments removed, blocks broken, entities decoded', () => {
  assert.equal(
    htmlToText(
      '<html><head><title>t</title></head><body><script>var x=1;</script><!-- hidden --><div>One&nbsp;two</div><p>3 &lt; 4 &#8212; &#x41;&#150;</p></body></html>',
    ),
    'One two\n\n3 < 4 — A–',
  );
  assert.equal(decodeEntities('&unknown; &amp &#0; &#xD800;'), '&unknown; & &#0; &#xD800;');
});
