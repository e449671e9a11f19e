/**
 * Graph error responses. The real service always answers errors as
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`; the
 * `innerError` key has a capital E, and the JS SDK reads `request-id` and `date` from it, so a
 * different spelling would silently lose those fields in the bot's logs.
 */

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Extra `innerError` fields some answers carry (e.g. throttling's `status`). */
    readonly innerErrorExtra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

// A type alias (not an interface) so it is assignable to the JSON value types.
export type GraphErrorBody = {
  error: {
    code: string;
    message: string;
    innerError: {
      date: string;
      'request-id': string;
      'client-request-id': string;
      [extra: string]: string;
    };
  };
};

/** The service writes `innerError.date` without fraction or zone, e.g. `2024-01-01T00:00:00`. */
export function graphDate(at: Date): string {
  return at.toISOString().slice(0, 19);
}

export function graphErrorBody(err: GraphError, context: { requestId: string; clientRequestId: string; at: Date }): GraphErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: {
        ...err.innerErrorExtra,
        date: graphDate(context.at),
        'request-id': context.requestId,
        'client-request-id': context.clientRequestId,
      },
    },
  };
}

/** Errors with wording taken from the real service where it is known. */
export const graphErrors = {
  /** Generic OData-level rejection (malformed JSON, bad query syntax). */
  badRequest(message: string): GraphError {
    return new GraphError(400, 'BadRequest', message);
  },

  /** Directory-level rejection of a well-formed request. */
  requestBadRequest(message: string): GraphError {
    return new GraphError(400, 'Request_BadRequest', message);
  },

  invalidObjectId(id: string): GraphError {
    return new GraphError(400, 'Request_BadRequest', `Invalid object identifier '${id}'.`);
  },

  resourceNotFound(id: string): GraphError {
    return new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  },

  /** A query the service refuses without the advanced query parameters, or at all. */
  unsupportedQuery(message = 'Unsupported Query.'): GraphError {
    return new GraphError(400, 'Request_UnsupportedQuery', message);
  },

  propertyNotFound(property: string, typeName: string): GraphError {
    return new GraphError(400, 'Request_BadRequest', `Could not find a property named '${property}' on type '${typeName}'.`);
  },

  /** The service's message when a JSON body can't be read (bad syntax or wrong Content-Type). */
  unreadableJson(): GraphError {
    return new GraphError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  },

  authorizationDenied(message = 'Insufficient privileges to complete the operation.'): GraphError {
    return new GraphError(403, 'Authorization_RequestDenied', message);
  },

  unknownSegment(segment: string): GraphError {
    return new GraphError(404, 'UnknownError', `Resource not found for the segment '${segment}'.`);
  },

  /** Status 405 as the service uses; code and wording unverified. */
  methodNotAllowed(method: string, allowed: readonly string[]): GraphError {
    return new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed for the request target.`, { Allow: allowed.join(', ') });
  },

  /** Not a real-service error: the request is valid Graph that this simulator does not model. */
  notImplemented(what: string): GraphError {
    return new GraphError(501, 'NotImplemented', `The Graph simulator does not implement ${what}.`);
  },
} as const;
