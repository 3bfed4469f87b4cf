/**
 * Errors as the SDK's deserializers make them: the service's exception class (or a modeled
 * subclass), the error code as `name`, and `$metadata` with the HTTP status.
 */
export type ServiceExceptionClass = new (options: {
  name: string;
  $fault: "client" | "server";
  $metadata: { httpStatusCode?: number; requestId?: string };
  message?: string;
}) => Error;

let requestCounter = 0;
export const requestId = (): string =>
  `00000000-0000-4000-8000-${String(++requestCounter).padStart(12, "0")}`;

/** An error of `code` thrown by a service whose exceptions are `Base`. */
export function serviceError(
  Base: ServiceExceptionClass,
  code: string,
  message: string,
  httpStatusCode = 400,
): Error {
  const error = new Base({
    name: code,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode, requestId: requestId() },
    message,
  });
  // Deserialized errors carry the message as both `message` and `Message`.
  Object.assign(error, { Message: message });
  return error;
}

/** The usual 400 for an input the API's own model refuses. */
export const validationError = (Base: ServiceExceptionClass, message: string): Error =>
  serviceError(Base, "ValidationException", `1 validation error detected: ${message}`);
