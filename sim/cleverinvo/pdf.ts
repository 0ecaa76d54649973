import type { CleverInvoClient, CleverInvoInvoiceRecord } from "./types.js";
import { formatMoney, fromCents, toCents } from "./values.js";

/**
 * A real, dependency-free PDF 1.4 rendering of an invoice (§7 `GET /invoices/:id/pdf`): US Letter
 * pages, the standard Helvetica fonts in WinAnsiEncoding, uncompressed content streams (so the
 * text is extractable), an xref table with exact byte offsets and a trailer. Long invoices (up to
 * 100 line items, 500-character descriptions) flow over as many pages as they need. The output is
 * a pure function of the invoice and client, so the same invoice always yields the same bytes.
 */

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 50;
const BOTTOM = 72;
const RIGHT = PAGE_WIDTH - MARGIN;

/** Helvetica advance widths (1/1000 em) for ASCII 32–126, from the standard AFM. */
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
] as const;

/** Unicode → Windows-1252 for the code points outside Latin-1 that WinAnsiEncoding has. */
const WIN_ANSI_EXTRA: Record<number, number> = {
  8364: 0x80,
  8218: 0x82,
  402: 0x83,
  8222: 0x84,
  8230: 0x85,
  8224: 0x86,
  8225: 0x87,
  710: 0x88,
  8240: 0x89,
  352: 0x8a,
  8249: 0x8b,
  338: 0x8c,
  381: 0x8e,
  8216: 0x91,
  8217: 0x92,
  8220: 0x93,
  8221: 0x94,
  8226: 0x95,
  8211: 0x96,
  8212: 0x97,
  732: 0x98,
  8482: 0x99,
  353: 0x9a,
  8250: 0x9b,
  339: 0x9c,
  382: 0x9e,
  376: 0x9f,
};

/** The WinAnsi byte of each character; unmappable characters become `?`, controls a space. */
function winAnsi(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0x3f;
    if (code < 0x20 || code === 0x7f) bytes.push(0x20);
    else if (code < 0x7f || (code >= 0xa0 && code <= 0xff)) bytes.push(code);
    else bytes.push(WIN_ANSI_EXTRA[code] ?? 0x3f);
  }
  return bytes;
}

/** A PDF literal string of ASCII only: `\`, `(`, `)` escaped, other bytes as octal escapes. */
function literal(text: string): string {
  let out = "(";
  for (const byte of winAnsi(text)) {
    if (byte === 0x5c || byte === 0x28 || byte === 0x29) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `${out})`;
}

/**
 * A text string for the document information dictionary: a literal when ASCII, else UTF-16BE
 * with a byte-order mark (PDF 1.4 §3.8.1), as a hex string.
 */
function infoText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return literal(text);
  return `<FEFF${Buffer.from(text, "utf16le").swap16().toString("hex").toUpperCase()}>`;
}

/** Unit prices as sent, grouped, with at least two decimals. */
function formatUnitPrice(value: number): string {
  if (fromCents(toCents(value)) === value) return formatMoney(value);
  const [whole = "0", fraction = ""] = plain(Math.abs(value)).split(".");
  return `${value < 0 ? "-" : ""}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fraction.padEnd(2, "0")}`;
}

/** Width of `text` in points at `size` (bold text is ~5 % wider; close enough for layout). */
export function textWidth(text: string, size: number, bold = false): number {
  let units = 0;
  for (const byte of winAnsi(text)) units += HELVETICA_WIDTHS[byte - 32] ?? 556;
  return (units * size * (bold ? 1.05 : 1)) / 1000;
}

/** Greedy word wrap to `width` points; words longer than a line are cut. */
export function wrap(text: string, width: number, size: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
      const candidate = line ? `${line} ${word}` : word;
      if (textWidth(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      let rest = word;
      while (textWidth(rest, size) > width) {
        let cut = 1;
        const chars = [...rest];
        while (cut < chars.length && textWidth(chars.slice(0, cut + 1).join(""), size) <= width) cut++;
        lines.push(chars.slice(0, cut).join(""));
        rest = chars.slice(cut).join("");
      }
      line = rest;
    }
    lines.push(line);
  }
  while (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}

const number = (value: number) =>
  Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));

/** Quantities and rates as sent, without exponent notation for tiny or huge values. */
function plain(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 });
}

class PageWriter {
  readonly pages: string[][] = [];
  private ops: string[] = [];
  y = PAGE_HEIGHT - MARGIN;

  constructor() {
    this.newPage();
  }

  newPage(): void {
    this.ops = [];
    this.pages.push(this.ops);
    this.y = PAGE_HEIGHT - MARGIN;
  }

  text(x: number, y: number, text: string, size = 10, bold = false): void {
    this.ops.push(`BT /${bold ? "F2" : "F1"} ${size} Tf ${number(x)} ${number(y)} Td ${literal(text)} Tj ET`);
  }

  right(xRight: number, y: number, text: string, size = 10, bold = false): void {
    this.text(xRight - textWidth(text, size, bold), y, text, size, bold);
  }

  rule(y: number, gray = 0.6): void {
    this.ops.push(`${gray} G 0.75 w ${MARGIN} ${number(y)} m ${RIGHT} ${number(y)} l S 0 G`);
  }

  /** Starts a new page when fewer than `height` points are left above the bottom margin. */
  ensure(height: number, onNewPage?: () => void): void {
    if (this.y - height >= BOTTOM) return;
    this.newPage();
    onNewPage?.();
  }
}

export type PdfClient = Pick<CleverInvoClient, "name" | "email" | "address" | "phone" | "taxId">;

/** Renders the invoice as a complete PDF 1.4 file. */
export function renderInvoicePdf(invoice: CleverInvoInvoiceRecord, client: PdfClient): Buffer {
  const w = new PageWriter();
  const currency = invoice.currency;

  // Header.
  w.text(MARGIN, w.y - 22, "INVOICE", 24, true);
  w.right(RIGHT, w.y - 18, invoice.invoiceNumber, 14, true);
  w.right(RIGHT, w.y - 34, `Status: ${invoice.status}`, 10);
  w.y -= 60;
  w.rule(w.y);
  w.y -= 20;

  // Invoice facts (left) and the client (right).
  const top = w.y;
  const facts: Array<[string, string]> = [
    ["Invoice number", invoice.invoiceNumber],
    ["Issue date", invoice.issueDate],
    ["Due date", invoice.dueDate],
    ["Currency", currency],
  ];
  if (invoice.sentAt) facts.push(["Sent", invoice.sentAt.slice(0, 10)]);
  if (invoice.paidAt) facts.push(["Paid", invoice.paidAt.slice(0, 10)]);
  let leftY = top;
  for (const [label, value] of facts) {
    w.text(MARGIN, leftY, `${label}:`, 10, true);
    w.text(MARGIN + 95, leftY, value, 10);
    leftY -= 14;
  }
  const billX = 330;
  const billWidth = RIGHT - billX;
  let rightY = top;
  w.text(billX, rightY, "Bill to", 10, true);
  rightY -= 14;
  const clientLines = [
    ...wrap(client.name, billWidth, 11),
    ...(client.email ? wrap(client.email, billWidth, 10) : []),
    ...(client.address ? wrap(client.address, billWidth, 10) : []),
    ...(client.phone ? wrap(client.phone, billWidth, 10) : []),
    ...(client.taxId ? wrap(`Tax ID: ${client.taxId}`, billWidth, 10) : []),
  ];
  // Pathologically long client fields are cut so the block stays on the first page.
  const room = Math.floor((top - BOTTOM - 120) / 14);
  if (clientLines.length > room) clientLines.splice(room - 1, clientLines.length, "...");
  clientLines.forEach((line, index) => {
    w.text(billX, rightY, line, index === 0 ? 11 : 10, index === 0);
    rightY -= 14;
  });
  w.y = Math.min(leftY, rightY) - 16;

  // Line items.
  const columns = { description: MARGIN, quantity: 350, unitPrice: 432, tax: 482, amount: RIGHT };
  const descriptionWidth = 235;
  const tableHeader = () => {
    w.text(columns.description, w.y, "Description", 10, true);
    w.right(columns.quantity, w.y, "Qty", 10, true);
    w.right(columns.unitPrice, w.y, "Unit price", 10, true);
    w.right(columns.tax, w.y, "Tax %", 10, true);
    w.right(columns.amount, w.y, `Amount (${currency})`, 10, true);
    w.y -= 6;
    w.rule(w.y);
    w.y -= 14;
  };
  w.ensure(60);
  tableHeader();
  for (const item of invoice.lineItems) {
    const lines = wrap(item.description, descriptionWidth, 10);
    w.ensure(Math.min(lines.length, 4) * 13, tableHeader);
    w.right(columns.quantity, w.y, plain(item.quantity), 10);
    w.right(columns.unitPrice, w.y, formatUnitPrice(item.unitPrice), 10);
    w.right(columns.tax, w.y, plain(item.taxRate), 10);
    w.right(columns.amount, w.y, formatMoney(item.amount), 10);
    for (const line of lines) {
      w.ensure(13, tableHeader);
      w.text(columns.description, w.y, line, 10);
      w.y -= 13;
    }
    w.y -= 3;
  }
  w.rule(w.y + 8);

  // Totals.
  w.ensure(80);
  w.y -= 10;
  const totals: Array<[string, number, boolean]> = [
    ["Subtotal", invoice.subtotal, false],
    ["Tax", invoice.taxTotal, false],
  ];
  if (toCents(invoice.discountTotal) !== 0) totals.push(["Discount", -invoice.discountTotal, false]);
  totals.push(["Total", invoice.total, true]);
  for (const [label, value, bold] of totals) {
    const size = bold ? 12 : 10;
    w.text(360, w.y, `${label}:`, size, bold);
    w.right(RIGHT, w.y, `${currency} ${formatMoney(value)}`, size, bold);
    w.y -= bold ? 18 : 14;
  }

  // Notes and terms.
  for (const [label, value] of [
    ["Notes", invoice.notes],
    ["Terms", invoice.terms],
  ] as const) {
    if (!value) continue;
    w.y -= 10;
    w.ensure(28);
    w.text(MARGIN, w.y, label, 10, true);
    w.y -= 14;
    for (const line of wrap(value, RIGHT - MARGIN, 10)) {
      w.ensure(13);
      w.text(MARGIN, w.y, line, 10);
      w.y -= 13;
    }
  }

  // Footers, once the page count is known.
  const pageCount = w.pages.length;
  w.pages.forEach((ops, index) => {
    const label = `${invoice.invoiceNumber} - Page ${index + 1} of ${pageCount}`;
    ops.push(`BT /F1 8 Tf ${number(RIGHT - textWidth(label, 8))} 40 Td ${literal(label)} Tj ET`);
  });

  return assemble(w.pages, invoice);
}

/** `2024-06-01T00:00:00.000Z` → `D:20240601000000Z`. */
function pdfDate(iso: string): string {
  return `D:${iso.slice(0, 19).replace(/[-T:]/g, "")}Z`;
}

function assemble(pages: string[][], invoice: CleverInvoInvoiceRecord): Buffer {
  // Objects 1–4 are fixed; each page then takes two (page, content stream).
  const objects: string[] = [];
  const pageIds = pages.map((_, index) => 5 + index * 2);
  objects.push("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push(
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`,
  );
  objects.push("<< /Type /Font /Subtype /Type1 /Name /F1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  objects.push(
    "<< /Type /Font /Subtype /Type1 /Name /F2 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
  );
  const infoId = 5 + pages.length * 2;
  pages.forEach((ops, index) => {
    const contentId = pageIds[index]! + 1;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${contentId} 0 R >>`,
    );
    const stream = `${ops.join("\n")}\n`;
    objects.push(`<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}endstream`);
  });
  objects.push(
    `<< /Title ${infoText(`Invoice ${invoice.invoiceNumber}`)} /Producer (CleverInvo) ` +
      `/Creator (CleverInvo) /CreationDate (${pdfDate(invoice.createdAt)}) >>`,
  );
  if (objects.length !== infoId) throw new Error("pdf: object numbering mismatch");

  const chunks: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = chunks[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(offset);
    const chunk = Buffer.from(`${index + 1} 0 obj\n${body}\nendobj\n`, "latin1");
    chunks.push(chunk);
    offset += chunk.length;
  });
  const xref =
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((value) => `${String(value).padStart(10, "0")} 00000 n \n`).join("") +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${infoId} 0 R >>\nstartxref\n${offset}\n%%EOF\n`;
  chunks.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(chunks);
}
