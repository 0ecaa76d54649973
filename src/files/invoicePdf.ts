import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApiKeyRegistry, type Principal, presentedKey } from "../auth/apiKeys.js";
import type { ContextFactory } from "../context.js";
import { GatewayError, UpstreamError } from "../errors.js";
import { decodeGlobalId } from "../schema/globalId.js";
import type { UrlSigner } from "./signedUrls.js";

/**
 * `GET /files/invoices/<invoice global id>.pdf`: streams an upstream's invoice PDF to a client
 * authenticated by its API key (headers, `read` scope) or by a signed link from `Invoice.pdfUrl`.
 */

export const INVOICE_PDF_ROUTE = /^\/files\/invoices\/([A-Za-z0-9_-]{1,400})\.pdf$/;

export function invoicePdfPath(globalId: string): string {
  return `/files/invoices/${globalId}.pdf`;
}

const UPSTREAM_STATUS: Record<string, number> = {
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_RATE_LIMITED: 429,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_ERROR: 502,
};

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export interface InvoicePdfDeps {
  keys: ApiKeyRegistry;
  signer: UrlSigner;
  createContext: ContextFactory;
  publicUrl: (req: IncomingMessage) => string;
}

export async function serveInvoicePdf(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: InvoicePdfDeps,
) {
  const globalId = INVOICE_PDF_ROUTE.exec(url.pathname)?.[1];
  if (!globalId) return sendError(res, 404, "NOT_FOUND", "No such file.");

  let principal: Principal | null = deps.keys.authenticate(presentedKey(req.headers));
  if (!principal) {
    const tenantId = deps.signer.verify(url.pathname, url.searchParams);
    principal = tenantId
      ? { tenantId, scopes: new Set(["read"]), keyLabel: "signed-link", keyId: "signed-link" }
      : null;
  }
  if (!principal) {
    return sendError(
      res,
      401,
      "UNAUTHENTICATED",
      "Send an API key, or use a fresh link from Invoice.pdfUrl.",
      {
        "www-authenticate": "Bearer",
      },
    );
  }
  if (!principal.scopes.has("read"))
    return sendError(res, 403, "FORBIDDEN", 'This API key lacks the "read" scope.');

  const context = deps.createContext(principal, { publicUrl: deps.publicUrl(req) });
  try {
    const ref = decodeGlobalId(context, globalId, "id", ["Invoice"]);
    const pdf = await context.datasources.get(ref.source)?.invoicePdf?.(ref.sourceId);
    if (!pdf) return sendError(res, 404, "NOT_FOUND", "This invoice has no PDF, or does not exist.");
    const fileName = pdf.fileName.replace(/[^A-Za-z0-9._-]/g, "_");
    res.writeHead(200, {
      "content-type": "application/pdf",
      "content-length": pdf.bytes.length,
      "content-disposition": `inline; filename="${fileName}"`,
      "cache-control": "private, no-store",
    });
    res.end(pdf.bytes);
  } catch (error) {
    if (error instanceof UpstreamError) {
      const retryAfter = (error.extensions as { retryAfterSeconds?: number }).retryAfterSeconds;
      return sendError(
        res,
        UPSTREAM_STATUS[error.code] ?? 502,
        error.code,
        error.message,
        retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {},
      );
    }
    if (error instanceof GatewayError) return sendError(res, 400, error.code, error.message);
    throw error;
  }
}
