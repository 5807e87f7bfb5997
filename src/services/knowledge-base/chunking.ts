/**
 * Splits a markdown or plain-text document into passages for search: by heading, then by
 * paragraph, merging short paragraphs up to about `TARGET_CHARS` and cutting long ones at
 * sentence ends. Each passage keeps the heading path it sits under ("Returns > Refunds"), which
 * is searched with more weight and read to the model with the text.
 */

/** Large enough for an answer with its context, small enough that the model gets several. */
export const TARGET_CHARS = 700;
const MAX_CHARS = 1_000;

export interface Chunk {
  heading: string;
  content: string;
}

export interface ParsedDocument {
  title: string;
  chunks: Chunk[];
}

/** The title (the first `# ` heading, else `fallbackTitle`) and the passages of `text`. */
export function chunkDocument(text: string, fallbackTitle: string): ParsedDocument {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const firstHeading = lines.find((l) => /^#\s+\S/.test(l));
  const title = (firstHeading?.replace(/^#\s+/, "").trim() || fallbackTitle).slice(0, 200);
  const chunks: Chunk[] = [];
  const path: string[] = [];
  let paragraphs: string[] = [];
  let current: string[] = [];

  const flushParagraph = () => {
    const p = current.join(" ").replace(/\s+/g, " ").trim();
    if (p) paragraphs.push(p);
    current = [];
  };
  const flushSection = () => {
    flushParagraph();
    const heading = [title, ...path.filter((h) => h !== title)].join(" > ");
    for (const content of pack(paragraphs)) chunks.push({ heading, content });
    paragraphs = [];
  };

  for (const line of lines) {
    const heading = headingOf(line);
    if (heading) {
      flushSection();
      path.splice(heading.depth - 1);
      path[heading.depth - 1] = heading.text;
      continue;
    }
    if (line.trim() === "") flushParagraph();
    // A list item starts a line of its own, so items are not run together mid-sentence.
    else if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      flushParagraph();
      current.push(line.trim());
    } else current.push(line.trim());
  }
  flushSection();
  return { title, chunks };
}

/** An ATX heading ("## Refunds", "## Refunds ##"): its depth and text. A scan, not a regex: linear on any line. */
function headingOf(line: string): { depth: number; text: string } | undefined {
  let depth = 0;
  while (line[depth] === "#") depth++;
  if (depth < 1 || depth > 6 || (line[depth] !== " " && line[depth] !== "\t")) return undefined;
  let text = line.slice(depth).trim();
  // An optional closing sequence: spaces, then only "#".
  let end = text.length;
  while (end > 0 && text[end - 1] === "#") end--;
  if (end < text.length && (end === 0 || text[end - 1] === " " || text[end - 1] === "\t")) text = text.slice(0, end).trim();
  return text ? { depth, text } : undefined;
}

/** Paragraphs merged up to TARGET_CHARS; a paragraph over MAX_CHARS cut at sentence ends. */
function pack(paragraphs: readonly string[]): string[] {
  const out: string[] = [];
  let buffer = "";
  for (const paragraph of paragraphs.flatMap(split)) {
    if (buffer && buffer.length + paragraph.length + 1 > TARGET_CHARS) {
      out.push(buffer);
      buffer = "";
    }
    buffer = buffer ? `${buffer}\n${paragraph}` : paragraph;
  }
  if (buffer) out.push(buffer);
  return out;
}

function split(paragraph: string): string[] {
  if (paragraph.length <= MAX_CHARS) return [paragraph];
  const sentences = paragraph.match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [paragraph];
  const parts: string[] = [];
  let part = "";
  for (const sentence of sentences) {
    if (part && part.length + sentence.length > TARGET_CHARS) {
      parts.push(part.trim());
      part = "";
    }
    part += sentence;
    while (part.length > MAX_CHARS) {
      parts.push(part.slice(0, MAX_CHARS).trim());
      part = part.slice(MAX_CHARS);
    }
  }
  if (part.trim()) parts.push(part.trim());
  return parts;
}
