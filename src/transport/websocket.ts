import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type ExecutionArgs, GraphQLError } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { YogaServerInstance } from "graphql-yoga";
import { type WebSocket, WebSocketServer } from "ws";
import { type Principal, presentedKey } from "../auth/apiKeys.js";
import type { Logger } from "../logger.js";

/**
 * graphql-ws on `WS /graphql`: a thin adapter over graphql-ws's server, executing through Yoga's
 * envelop (the same schema, validation, masking and plugins as HTTP). The API key is checked once
 * on `connection_init` (`connectionParams.apiKey`, else the upgrade request's `Authorization` or
 * `X-API-Key` header); a connection without a valid key with the `read` scope is closed before any
 * subscription starts.
 */

/** What the gateway's Yoga context function receives for a WebSocket operation. */
export interface WebSocketInitialContext {
  principal: Principal;
  upgradeRequest: IncomingMessage;
}

type Envelope = ReturnType<
  YogaServerInstance<Record<string, unknown>, Record<string, unknown>>["getEnveloped"]
>;

interface RootValue {
  execute: Envelope["execute"];
  subscribe: Envelope["subscribe"];
}

export interface WebSocketOptions {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: Yoga's instance type is invariant in its context types.
  yoga: YogaServerInstance<any, any>;
  authenticate(key: string | null): Principal | null;
  /** The per-key rate limit, spent by each subscribe message: an error when refused. */
  admit(principal: Principal): Promise<GraphQLError | null>;
  logger: Logger;
  /** How long a client may take to send `connection_init`. */
  connectionInitWaitTimeoutMs?: number;
}

/** `connectionParams.apiKey`, else the upgrade request's `Authorization` or `X-API-Key` header. */
function keyFrom(
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
): string | null {
  const fromParams = params?.apiKey;
  if (typeof fromParams === "string" && fromParams.trim()) return fromParams.trim();
  return presentedKey(request.headers);
}

export function attachWebSockets(server: Server, options: WebSocketOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  const principals = new WeakMap<object, Principal>();
  /** Open connections and the key each authenticated with (for revocation on config reload). */
  const connected = new Map<WebSocket, Principal>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== options.path) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };
  server.on("upgrade", onUpgrade);

  const disposable = useServer(
    {
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs ?? 10_000,
      onConnect: (ctx) => {
        const principal = options.authenticate(keyFrom(ctx.connectionParams, ctx.extra.request));
        // Closed here with a reason that says what is wrong; graphql-ws's own `false` says only "Forbidden".
        if (!principal) {
          ctx.extra.socket.close(CloseCode.Unauthorized, "Unauthorized: missing or invalid API key");
          return false;
        }
        if (!principal.scopes.has("read")) {
          ctx.extra.socket.close(CloseCode.Forbidden, "Forbidden: subscriptions need the read scope");
          return false;
        }
        principals.set(ctx, principal);
        const socket = ctx.extra.socket;
        connected.set(socket, principal);
        socket.once("close", () => connected.delete(socket));
        return true;
      },
      execute: (args: ExecutionArgs) => (args.rootValue as RootValue).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as RootValue).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const principal = principals.get(ctx);
        if (!principal) throw new Error("subscription before authentication");
        const refused = await options.admit(principal);
        if (refused) return [refused];
        const initial: WebSocketInitialContext = { principal, upgradeRequest: ctx.extra.request };
        const { schema, execute, subscribe, contextFactory, parse, validate } = options.yoga.getEnveloped({
          ...initial,
          params: payload,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const rootValue: RootValue = { execute, subscribe };
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue,
        };
      },
      onError: (_ctx, _id, _payload, errors) => {
        options.logger.debug({ errors: errors.map((error) => error.message) }, "graphql-ws operation failed");
      },
    },
    wss,
  );

  return {
    /** Open WebSocket connections. */
    get connections(): number {
      return wss.clients.size;
    },
    /** Closes connections whose key no longer holds (removed, or its scopes changed) after a reload. */
    revoke(stillValid: (principal: Principal) => boolean): number {
      let closed = 0;
      for (const [socket, principal] of connected) {
        if (stillValid(principal)) continue;
        connected.delete(socket);
        socket.close(CloseCode.Forbidden, "Forbidden: the API key was revoked or changed");
        closed++;
      }
      return closed;
    },
    /** Closes every connection with 1001 (going away) and stops accepting new ones. */
    async close(): Promise<void> {
      server.off("upgrade", onUpgrade);
      for (const client of wss.clients) client.close(1001, "Server shutting down");
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
