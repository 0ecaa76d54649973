import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import type { Redis } from "ioredis";
import type { UnifiedEvent } from "./types.js";

/**
 * Carries unified events from whoever learned of them (a webhook, a poller) to every listener of
 * the tenant: in this process, or through Redis pub/sub to every instance. Each instance receives a
 * published event once (publisher included: it hears its own message back from Redis, not locally),
 * so a subscriber gets it exactly once whichever instance took the webhook.
 */
export interface EventBus {
  /** Resolves once the event is handed over (Redis: acknowledged by the server). */
  publish(event: UnifiedEvent): Promise<void>;
  /** Listens to one tenant's events; resolves, with the unsubscribe, once the listener is live. */
  listen(tenantId: string, listener: (event: UnifiedEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

type Listener = (event: UnifiedEvent) => void;

/** Fans out to listeners; one failing listener does not starve the others. */
function dispatch(
  listeners: ReadonlySet<Listener> | undefined,
  event: UnifiedEvent,
  onError: (e: unknown) => void,
) {
  if (!listeners) return;
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      onError(error);
    }
  }
}

const topicOf = (tenantId: string) => `events:${tenantId}`;

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  async publish(event: UnifiedEvent): Promise<void> {
    // A JSON round trip, like Redis: listeners never share (or mutate) the publisher's objects.
    const copy = JSON.parse(JSON.stringify(event)) as UnifiedEvent;
    dispatch(this.listeners.get(topicOf(event.tenantId)), copy, this.onListenerError);
  }

  async listen(tenantId: string, listener: Listener): Promise<() => void> {
    const topic = topicOf(tenantId);
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(topic) === set) this.listeners.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/**
 * Redis pub/sub through `@graphql-yoga/redis-event-target`: one channel per tenant, subscribed while
 * this instance has a listener for it. Publishing goes straight to the publish client so a failure
 * is reported to the webhook receiver (which then answers 5xx and the upstream retries) instead of
 * being lost in the event target's fire-and-forget dispatch.
 */
export class RedisEventBus implements EventBus {
  private readonly target: ReturnType<typeof createRedisEventTarget>;
  /** SUBSCRIBE acknowledgements by channel: a listener is live only once Redis confirmed it. */
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private readonly local = new Map<string, Set<Listener>>();

  constructor(
    private readonly publishClient: Redis,
    subscribeClient: Redis,
    private readonly onListenerError: (error: unknown) => void = () => {},
    /** Channel prefix: the tenant id follows it. */
    private readonly channelPrefix = "fsg:events:",
  ) {
    const subscribed = this.subscribed;
    // The event target subscribes without awaiting; this view of the client keeps the promise.
    const client = new Proxy(subscribeClient, {
      get(target, property, receiver) {
        if (property === "subscribe") {
          return (channel: string) => {
            const ack = target.subscribe(channel);
            subscribed.set(channel, ack);
            ack.catch(() => subscribed.delete(channel));
            return ack;
          };
        }
        if (property === "unsubscribe") {
          return (channel: string) => {
            subscribed.delete(channel);
            return target.unsubscribe(channel).catch(() => {});
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    this.target = createRedisEventTarget({ publishClient, subscribeClient: client });
  }

  private channelOf(tenantId: string): string {
    return `${this.channelPrefix}${tenantId}`;
  }

  async publish(event: UnifiedEvent): Promise<void> {
    await this.publishClient.publish(this.channelOf(event.tenantId), JSON.stringify(event));
  }

  async listen(tenantId: string, listener: Listener): Promise<() => void> {
    const topic = this.channelOf(tenantId);
    let set = this.local.get(topic);
    if (!set) {
      // One event-target callback per channel, fanned out here: the payload is parsed once.
      const listeners = new Set<Listener>();
      set = listeners;
      this.local.set(topic, listeners);
      this.target.addEventListener(topic, this.callbackFor(topic, listeners));
    }
    set.add(listener);
    const stop = () => {
      set.delete(listener);
      if (set.size === 0 && this.local.get(topic) === set) {
        this.local.delete(topic);
        const callback = this.callbacks.get(topic);
        this.callbacks.delete(topic);
        if (callback) this.target.removeEventListener(topic, callback);
      }
    };
    try {
      await this.subscribed.get(topic);
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  private readonly callbacks = new Map<string, (event: CustomEvent<UnifiedEvent>) => void>();

  private callbackFor(topic: string, listeners: Set<Listener>) {
    const callback = (event: CustomEvent<UnifiedEvent>) =>
      dispatch(listeners, event.detail, this.onListenerError);
    this.callbacks.set(topic, callback);
    return callback;
  }

  async close(): Promise<void> {
    for (const [topic, callback] of this.callbacks) this.target.removeEventListener(topic, callback);
    this.callbacks.clear();
    this.local.clear();
  }
}
