import type { GatewayContext } from "../context.js";
import { BadInputError, type SourceId, UnauthenticatedError } from "../errors.js";
import type { EventFilter } from "../events/liveEvents.js";
import type { UnifiedEvent } from "../events/types.js";
import { builder } from "./builder.js";

/**
 * The Subscription root and what every subscription shares. Events come from upstream webhooks
 * (CleanItAll, CleanEstimate Pro) and from change detection (JobCloser, Check-in ARTISAN,
 * CleverInvo); each event is resolved with the subscription's own context after its loaders are
 * cleared, so relations selected on a payload are read as they are now, not as an earlier event
 * left them. The subscription fields live beside their types.
 */

builder.subscriptionType({
  description:
    "Live events of the tenant's upstreams, over graphql-ws (WebSocket on /graphql, API key in `connectionParams.apiKey` or a header) or server-sent events (`Accept: text/event-stream`). Needs the `read` scope. CleanItAll and CleanEstimate Pro report changes through webhooks within moments; JobCloser, Check-in ARTISAN and CleverInvo have none, so the gateway polls them while somebody subscribes (within each upstream's rate limit, every 15 s or more).",
  authScopes: { read: true },
});

/** The tenant's events matching a filter, as the stream a `subscribe` function returns. */
export function eventStream(
  context: GatewayContext,
  filter: {
    types?: EventFilter["types"];
    sources?: readonly SourceId[] | null;
    record?: EventFilter["record"];
  },
  keep: (event: UnifiedEvent) => boolean | "end" = () => true,
): AsyncIterable<UnifiedEvent> {
  if (filter.types && filter.types.size === 0) {
    throw new BadInputError(
      "types must name at least one event type (leave it out for every type).",
      "types",
    );
  }
  if (filter.sources) {
    if (filter.sources.length === 0) {
      throw new BadInputError(
        "sources must name at least one source (leave it out for every source).",
        "sources",
      );
    }
    // A stream that can never receive anything is a mistake worth saying, not a silent wait.
    const configured: readonly SourceId[] = context.sources;
    const missing = filter.sources.find((source) => !configured.includes(source));
    if (missing) {
      throw new BadInputError(
        `Source ${missing.toUpperCase()} is not configured for this tenant.`,
        "sources",
      );
    }
  }
  const stream = context.events({
    types: filter.types ?? null,
    sources: filter.sources ? new Set(filter.sources) : null,
    ...(filter.record ? { record: filter.record } : {}),
  });
  // A plain iterator, not an async generator: a generator parked in `await next()` would queue the
  // client's unsubscribe (`return()`) until the next event, keeping the listener alive meanwhile.
  const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });
  const iterator: AsyncIterableIterator<UnifiedEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        const result = await stream.next();
        if (result.done) return result;
        // A key removed by a config reload ends its subscriptions at the next event (SSE included).
        if (!context.stillAuthorized()) {
          await stream.return?.();
          throw new UnauthenticatedError("The API key of this subscription was revoked.");
        }
        const verdict = keep(result.value);
        if (verdict === "end") {
          await stream.return?.();
          return done();
        }
        if (verdict) return result;
      }
    },
    async return() {
      await stream.return?.();
      return done();
    },
    async throw(error: unknown) {
      await stream.return?.();
      throw error;
    },
  };
  return iterator;
}

/** Before resolving an event: forget what earlier events loaded. */
export function freshEvent(context: GatewayContext, event: UnifiedEvent): UnifiedEvent {
  context.clearLoaders();
  return event;
}

/** The record an event carries, fresh for this event's resolution. */
export function eventRecord<T>(context: GatewayContext, event: UnifiedEvent): T {
  context.clearLoaders();
  return event.record as T;
}

/** `YYYY-MM-DD` of an instant in an IANA time zone. */
export function calendarDateIn(instant: string, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(instant));
}

/** Checks an IANA time zone argument; returns it, or throws BAD_USER_INPUT. */
export function checkTimeZone(timeZone: string, argument: string): string {
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone });
    return timeZone;
  } catch {
    throw new BadInputError(
      `${argument} "${timeZone.slice(0, 60)}" is not an IANA time zone such as Europe/Paris.`,
      argument,
    );
  }
}
