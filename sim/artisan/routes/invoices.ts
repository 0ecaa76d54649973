/**
 * Invoices: list by creation date (company zone), customer and paid; read; create with lines. No
 * update or delete (the router answers 405). Request line names map to response names:
 * `price_with_tax` → `unit_price_with_tax`, `discount` → `discount_percent`.
 */
import type { SimRoute } from "../../core/server.js";
import { invoiceDetail } from "../format.js";
import { type ArtisanWorld, authenticated, findRecord, ok, paginate, readList } from "../http.js";
import { centsToNumber, lineTotalCents } from "../money.js";
import { invoiceNumber } from "../seed.js";
import { type ArtisanCompanyState, type ArtisanInvoice, type ArtisanInvoiceLine, nextId } from "../types.js";
import {
  type FieldRule,
  isRecord,
  type Messages,
  readBody,
  validate,
  validationFailed,
} from "../validation.js";

function invoiceRules(company: ArtisanCompanyState): Record<string, FieldRule> {
  return {
    customer_id: { type: "integer", required: true, exists: (id) => company.customers.has(id) },
    paid: { type: "boolean" },
    notes: { type: "string", nullable: true, max: 5000 },
    lines: { type: "array" },
  };
}

/** `lines.*` rules; quantity and price are required only because the array is present. */
function lineRules(company: ArtisanCompanyState): Record<string, FieldRule> {
  return {
    item_id: { type: "integer", nullable: true, exists: (id) => company.items.has(id) },
    description: { type: "string", nullable: true, max: 1000 },
    quantity: { type: "number", required: true, min: "0.01" },
    price_with_tax: { type: "number", required: true, min: "0" },
    discount: { type: "number", min: "0", max: 50 },
  };
}

export function invoiceRoutes(world: ArtisanWorld): SimRoute[] {
  return [
    {
      method: "GET",
      pattern: "/api/v1/invoices",
      handler: authenticated(world, (ctx) => {
        const list = readList(ctx, {
          from: { type: "day", nullable: true },
          to: { type: "day", nullable: true },
          customer_id: { type: "integer", nullable: true },
          paid: { type: "flag", nullable: true },
        });
        if ("response" in list) return list.response;
        const {
          from,
          to,
          customer_id: customerId,
          paid,
        } = list.filters as {
          from?: string;
          to?: string;
          customer_id?: number;
          paid?: boolean;
        };
        // created_at is stored rendered in the company zone: its first 10 characters are the local date.
        const items = [...ctx.company.invoices.values()]
          .filter((invoice) => {
            const day = invoice.created_at.slice(0, 10);
            return (
              (from === undefined || day >= from) &&
              (to === undefined || day <= to) &&
              (customerId === undefined || invoice.customer_id === customerId) &&
              (paid === undefined || invoice.paid === paid)
            );
          })
          .reverse();
        return paginate(items, list.page, list.perPage);
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/invoices/{id}",
      handler: authenticated(world, (ctx) => {
        const found = findRecord(ctx, "invoices");
        if ("response" in found) return found.response;
        return ok(invoiceDetail(ctx.company, found.record));
      }),
    },
    {
      method: "POST",
      pattern: "/api/v1/invoices",
      handler: authenticated(world, (ctx) => {
        const { company } = ctx;
        const body = readBody(ctx.req.rawBody);
        const messages: Messages = {};
        const values = validate(body, invoiceRules(company), ctx.zone, messages);
        // Laravel expands `lines.*.field` rules in place: all indexes of one field, then the next field.
        const rawLines = Array.isArray(values.lines) ? (values.lines as unknown[]) : [];
        const lineValues = rawLines.map(() => ({}) as Record<string, unknown>);
        for (const [field, rule] of Object.entries(lineRules(company))) {
          rawLines.forEach((line, index) => {
            const input = isRecord(line) ? line : {};
            Object.assign(
              lineValues[index] ?? {},
              validate(input, { [field]: rule }, ctx.zone, messages, `lines.${index}.`),
            );
          });
        }
        if (Object.keys(messages).length > 0) return validationFailed(messages);

        const createdAt = ctx.zone.render(world.now().getTime());
        let totalCents = 0n;
        const lines: ArtisanInvoiceLine[] = lineValues.map((line) => {
          const quantity = line.quantity as number;
          const price = line.price_with_tax as number;
          const discount = (line.discount ?? 0) as number;
          const cents = lineTotalCents(quantity, price, discount);
          totalCents += cents;
          return {
            id: nextId(world.ids, "invoiceLine"),
            item_id: (line.item_id ?? null) as number | null,
            description: (line.description ?? null) as string | null,
            quantity,
            unit_price_with_tax: price,
            discount_percent: discount,
            line_total_with_tax: centsToNumber(cents),
          };
        });
        const invoice: ArtisanInvoice = {
          id: nextId(world.ids, "invoice"),
          invoice_number: invoiceNumber(createdAt, company.nextInvoiceSequence++),
          customer_id: values.customer_id as number,
          paid: (values.paid ?? false) as boolean,
          total_with_tax: centsToNumber(totalCents),
          notes: (values.notes ?? null) as string | null,
          created_at: createdAt,
          updated_at: createdAt,
        };
        company.invoices.set(invoice.id, invoice);
        company.invoiceLines.set(invoice.id, lines);
        return ok(invoiceDetail(company, invoice), 201);
      }),
    },
  ];
}
