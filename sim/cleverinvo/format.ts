import type {
  CleverInvoAccount,
  CleverInvoClient,
  CleverInvoClientRef,
  CleverInvoInvoice,
  CleverInvoInvoiceListItem,
  CleverInvoInvoiceRecord,
  CleverInvoInvoiceSummary,
} from "./types.js";

/** Stored records → wire shapes (§6.2), keys in the reference's order. */

export function clientOf(account: CleverInvoAccount, invoice: CleverInvoInvoiceRecord): CleverInvoClient {
  const client = account.clients.get(invoice.clientId);
  // Clients are never hard-deleted, so an invoice's client always exists.
  if (!client) throw new Error(`cleverinvo: invoice ${invoice.id} has no client ${invoice.clientId}`);
  return client;
}

function clientRef(client: CleverInvoClient): CleverInvoClientRef {
  return { name: client.name, email: client.email };
}

export function fullInvoice(account: CleverInvoAccount, invoice: CleverInvoInvoiceRecord): CleverInvoInvoice {
  return {
    id: invoice.id,
    clientId: invoice.clientId,
    invoiceNumber: invoice.invoiceNumber,
    currency: invoice.currency,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    lineItems: invoice.lineItems.map((item) => ({
      description: item.description,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
      amount: item.amount,
      taxRate: item.taxRate,
    })),
    subtotal: invoice.subtotal,
    taxTotal: invoice.taxTotal,
    discountTotal: invoice.discountTotal,
    total: invoice.total,
    status: invoice.status,
    notes: invoice.notes,
    terms: invoice.terms,
    sentViaEmail: invoice.sentViaEmail,
    sentAt: invoice.sentAt,
    paidAt: invoice.paidAt,
    createdAt: invoice.createdAt,
    client: clientRef(clientOf(account, invoice)),
  };
}

export function invoiceListItem(
  account: CleverInvoAccount,
  invoice: CleverInvoInvoiceRecord,
): CleverInvoInvoiceListItem {
  return {
    id: invoice.id,
    clientId: invoice.clientId,
    invoiceNumber: invoice.invoiceNumber,
    currency: invoice.currency,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    subtotal: invoice.subtotal,
    taxTotal: invoice.taxTotal,
    discountTotal: invoice.discountTotal,
    total: invoice.total,
    status: invoice.status,
    createdAt: invoice.createdAt,
    client: clientRef(clientOf(account, invoice)),
  };
}

export function invoiceSummary(invoice: CleverInvoInvoiceRecord): CleverInvoInvoiceSummary {
  return {
    id: invoice.id,
    invoiceNumber: invoice.invoiceNumber,
    total: invoice.total,
    status: invoice.status,
  };
}

/** A copy, so later writes never change an answer already built. */
export function clientBody(client: CleverInvoClient): CleverInvoClient {
  return { ...client };
}
