/**
 * A small XML reader for the answer documents the emulator interprets (TwiML, Plivo XML):
 * elements, attributes, text, self-closing tags, the declaration, comments and CDATA, with the
 * five named entities and numeric references. Malformed input throws XmlError, which the
 * emulator reports as the provider would ("an application error has occurred").
 */
export type XmlNode = { name: string; attrs: Record<string, string>; children: (XmlNode | string)[] };

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return NAMED[ref] ?? whole;
  });
}

export function parseXml(source: string): XmlNode {
  const root: XmlNode = { name: '#document', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const text = source.slice(i, lt < 0 ? undefined : lt);
    if (text.trim() !== '') stack[stack.length - 1]!.children.push(decodeEntities(text));
    if (lt < 0) break;
    if (source.startsWith('<?', lt)) i = after(source, '?>', lt);
    else if (source.startsWith('<!--', lt)) i = after(source, '-->', lt);
    else if (source.startsWith('<![CDATA[', lt)) {
      const end = after(source, ']]>', lt);
      stack[stack.length - 1]!.children.push(source.slice(lt + 9, end - 3));
      i = end;
    } else if (source.startsWith('</', lt)) {
      const end = after(source, '>', lt);
      const name = source.slice(lt + 2, end - 1).trim();
      const open = stack.pop();
      if (!open || open.name !== name || stack.length === 0) throw new XmlError(`unexpected </${name}>`);
      i = end;
    } else {
      const end = after(source, '>', lt);
      const selfClosing = source[end - 2] === '/';
      const inner = source.slice(lt + 1, selfClosing ? end - 2 : end - 1);
      const node = openTag(inner);
      stack[stack.length - 1]!.children.push(node);
      if (!selfClosing) stack.push(node);
      i = end;
    }
  }
  if (stack.length !== 1) throw new XmlError(`unclosed <${stack[stack.length - 1]!.name}>`);
  const element = root.children.find((c): c is XmlNode => typeof c !== 'string');
  if (!element) throw new XmlError('no root element');
  return element;
}

/** The text content of a node, nested elements included, trimmed. */
export function textOf(node: XmlNode): string {
  return node.children
    .map((c) => (typeof c === 'string' ? c : textOf(c)))
    .join('')
    .trim();
}

export function elementsOf(node: XmlNode): XmlNode[] {
  return node.children.filter((c): c is XmlNode => typeof c !== 'string');
}

function after(source: string, token: string, from: number): number {
  const at = source.indexOf(token, from);
  if (at < 0) throw new XmlError(`missing ${token}`);
  return at + token.length;
}

function openTag(inner: string): XmlNode {
  const match = /^([A-Za-z_][\w.:-]*)/.exec(inner.trim());
  if (!match) throw new XmlError(`bad tag <${inner}>`);
  const attrs: Record<string, string> = {};
  const attrPattern = /([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/g;
  for (const m of inner.trim().slice(match[1]!.length).matchAll(attrPattern)) {
    attrs[m[1]!] = decodeEntities(m[3] ?? m[4] ?? '');
  }
  return { name: match[1]!, attrs, children: [] };
}
