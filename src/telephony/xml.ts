// The few XML helpers TwiML and Plivo XML need. Text can come from an LLM, so everything is
// escaped and characters XML 1.0 forbids (NUL, most C0 controls, lone surrogates) are
// dropped: one stray control character would make the provider reject the whole document.

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export type XmlAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** `<name a="1">inner</name>`, or `<name a="1"/>` when `inner` is undefined. `inner` is raw XML. */
export function xmlElement(name: string, attributes: XmlAttributes = {}, inner?: string): string {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join('');
  return inner === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
}

/** An element whose content is text (escaped here). */
export function xmlTextElement(name: string, attributes: XmlAttributes, text: string): string {
  return xmlElement(name, attributes, escapeXml(text));
}
