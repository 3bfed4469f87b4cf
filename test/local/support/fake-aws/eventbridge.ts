/**
 * EventBridge PutEvents on the default bus, keeping each event it took. As AWS does, an entry it
 * cannot take fails alone, in the answer's Entries with FailedEntryCount, not as an error
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): an entry needs
 * Source, DetailType and Detail, Detail must be a JSON object, and a request takes 10 entries.
 */
import {
  EventBridgeServiceException,
  type PutEventsCommandInput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { randomUUID } from "node:crypto";
import { validationError, type ServiceExceptionClass } from "./errors";

/** An event the bus took. */
export interface PutEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly bus: string;
}

function refusal(entry: PutEventsRequestEntry): string | undefined {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined)
    return "Parameter(s) Source, DetailType and Detail are required.";
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    if (typeof detail !== "object" || detail === null || Array.isArray(detail)) return "Detail is malformed.";
  } catch {
    return "Detail is malformed.";
  }
  return undefined;
}

export class FakeEventBridge {
  readonly events: PutEvent[] = [];

  PutEvents(input: PutEventsCommandInput) {
    const entries = input.Entries ?? [];
    if (!entries.length || entries.length > 10) {
      throw validationError(
        EventBridgeServiceException as unknown as ServiceExceptionClass,
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const answers = entries.map((entry) => {
      const refused = refusal(entry);
      if (refused) return { ErrorCode: "InvalidArgument", ErrorMessage: refused };
      this.events.push({
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
        bus: entry.EventBusName ?? "default",
      });
      return { EventId: randomUUID() };
    });
    return { FailedEntryCount: answers.filter((a) => "ErrorCode" in a).length, Entries: answers };
  }
}
