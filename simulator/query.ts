/**
 * Query options for collections and single entities: query-string decoding, `$select`, `$top`,
 * `$count`, `$search`, `$orderby`, `$filter` and server-side paging with `@odata.nextLink`.
 *
 * Rules imitated from the real service:
 * - In the query string `+` decodes to a space (a client that leaves `+` unencoded in
 *   `a+b@x.com` searches for `a b@x.com`); `%2B` is a plus, `%23` a `#`, `%27` a quote.
 * - Page size defaults to 100 and `$top` accepts 1–999; `$skip` is not supported.
 * - `@odata.nextLink` is absolute and already carries the original options; `@odata.count`
 *   comes only on the first page. ConsistencyLevel is not remembered between pages.
 * - Advanced query parameters = header `ConsistencyLevel: eventual` AND `$count=true`; they
 *   are needed for `ne`/`not`/`endsWith`, some properties, and `$orderby` with `$filter`.
 *   `$search` needs only the header. `$count=true` without the header is silently ignored.
 * - The index behind advanced queries lags behind writes: with a replication lag set, objects
 *   created within it are missing from every request that carries `ConsistencyLevel: eventual`.
 */
import { graphErrors } from './errors';
import type { JsonObject, JsonPrimitive } from './json';
import { analyzeFilter, evaluateFilter, parseFilter, type FilterExpr } from './odataFilter';
import type { Resource } from './resources';
import { findProperty, type EntityType, type PropertyDef } from './schema';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

// ---------------------------------------------------------------------------------------------
// Query string

export interface ParsedQuery {
  /** System query options (names lower-cased, e.g. `$filter`) with decoded values. */
  options: ReadonlyMap<string, string>;
  /** The `name=value` parts exactly as sent, for building nextLinks. */
  rawParts: readonly string[];
}

/** Query-string decoding as the service does it: `+` is a space, then percent-decoding. */
function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw graphErrors.badRequest(`The query string contains an invalid percent-encoding: '${text}'.`);
  }
}

function rawPartName(part: string): string {
  const eq = part.indexOf('=');
  return decodeQueryComponent(eq < 0 ? part : part.slice(0, eq))
    .trim()
    .toLowerCase();
}

export function parseQueryString(raw: string): ParsedQuery {
  const rawParts = raw.split('&').filter((p) => p !== '');
  const options = new Map<string, string>();
  for (const part of rawParts) {
    const name = rawPartName(part);
    // Custom (non-$) parameters are ignored, like the service does.
    if (!name.startsWith('$')) continue;
    const eq = part.indexOf('=');
    const value = eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
    if (options.has(name)) {
      throw graphErrors.badRequest(`Query option '${name}' was specified more than once, but it must be specified at most once.`);
    }
    options.set(name, value);
  }
  return { options, rawParts };
}

export interface QueryContext {
  query: ParsedQuery;
  /** The request carried `ConsistencyLevel: eventual`. */
  eventual: boolean;
  /** `scheme://host` of the request; nextLinks and `@odata.context` are built on it. */
  origin: string;
  /** The request path exactly as sent, e.g. `/v1.0/users`. */
  rawPath: string;
  /**
   * Whether an object was created too recently to be known beyond the replica that wrote it
   * (replication lag): advanced queries leave it out, and writes that reference it answer 404.
   */
  replicating: (id: string) => boolean;
}

const COLLECTION_OPTIONS = ['$filter', '$select', '$top', '$count', '$search', '$orderby', '$skiptoken'];

function checkOptionNames(ctx: QueryContext, allowed: readonly string[]): void {
  for (const name of ctx.query.options.keys()) {
    if (allowed.includes(name)) continue;
    if (name === '$skip') throw graphErrors.requestBadRequest("'$skip' is not supported by the service.");
    if (name === '$expand') throw graphErrors.notImplemented('$expand');
    throw graphErrors.badRequest(`The query parameter '${name}' is not supported.`);
  }
}

// ---------------------------------------------------------------------------------------------
// $select

function parseSelect(value: string | undefined, entity: EntityType): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw graphErrors.badRequest(`Syntax error in $select: '${value}'.`);
  const result: string[] = [];
  for (const name of names) {
    const def = findProperty(entity, name);
    if (!def || !def.selectable) throw graphErrors.propertyNotFound(name, entity.qualifiedName);
    if (!result.includes(def.name)) result.push(def.name);
  }
  return result;
}

/** The resource trimmed to `$select`, or to the type's default property set without one. */
export function project(resource: Resource, select: readonly string[] | undefined, annotateType: boolean): JsonObject {
  const out: JsonObject = {};
  if (annotateType) out['@odata.type'] = `#${resource.entity.qualifiedName}`;
  const names = select ?? resource.entity.properties.filter((p) => p.returnedByDefault && p.selectable).map((p) => p.name);
  for (const name of names) {
    // Members lists mix users and groups: a property the item's own type lacks is left out.
    if (!findProperty(resource.entity, name)) continue;
    out[name] = resource.data[name] ?? null;
  }
  return out;
}

function contextUrl(ctx: QueryContext, contextPath: string, select: readonly string[] | undefined): string {
  return `${ctx.origin}/v1.0/$metadata#${contextPath}${select ? `(${select.join(',')})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// $search ("displayName:fin" AND "mail:fab")

interface SearchTerm {
  property: PropertyDef;
  text: string;
}

/** OR of AND-groups. */
type SearchExpr = SearchTerm[][];

function parseSearch(value: string, entity: EntityType): SearchExpr {
  // Wording unverified.
  const invalid = (): never => {
    throw graphErrors.badRequest(`Syntax error in $search '${value}': use one or more "property:text" clauses joined by AND or OR.`);
  };
  const groups: SearchExpr = [[]];
  let rest = value.trim();
  let expectClause = true;
  while (rest.length > 0) {
    if (expectClause) {
      const clause = /^"([^"]*)"/.exec(rest);
      if (!clause) return invalid();
      const colon = clause[1].indexOf(':');
      if (colon <= 0) return invalid();
      const name = clause[1].slice(0, colon).trim();
      const text = clause[1].slice(colon + 1).trim();
      const def = findProperty(entity, name);
      if (!def || !def.selectable) throw graphErrors.propertyNotFound(name, entity.qualifiedName);
      if (!def.search) {
        throw graphErrors.unsupportedQuery(`The property '${def.name}' does not support $search.`);
      }
      groups[groups.length - 1].push({ property: def, text });
      rest = rest.slice(clause[0].length).trimStart();
      expectClause = false;
    } else {
      const op = /^(AND|OR)\s+/.exec(rest);
      if (!op) return invalid();
      if (op[1] === 'OR') groups.push([]);
      rest = rest.slice(op[0].length);
      expectClause = true;
    }
  }
  if (expectClause) return invalid();
  return groups;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Tokenized prefix matching, close to the directory's `$search` behaviour. */
function textMatches(value: string, text: string): boolean {
  const haystack = value.toLowerCase();
  const needle = text.toLowerCase();
  if (needle === '' || haystack.startsWith(needle)) return true;
  const wanted = words(needle);
  const tokens = words(haystack);
  return wanted.length > 0 && wanted.every((w) => tokens.some((t) => t.startsWith(w)));
}

function searchMatches(search: SearchExpr, resource: Resource): boolean {
  return search.some((group) =>
    group.every((term) => {
      const value = resource.data[term.property.name];
      if (typeof value === 'string') return textMatches(value, term.text);
      if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && textMatches(v, term.text));
      return false;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// $orderby and paging keys

interface OrderBy {
  property: PropertyDef;
  descending: boolean;
}

type SortKey = JsonPrimitive[];

function parseOrderBy(value: string, entity: EntityType): OrderBy[] {
  return value.split(',').map((part) => {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!match) throw graphErrors.badRequest(`Syntax error in $orderby: '${value}'.`);
    const def = findProperty(entity, match[1]);
    if (!def || !def.selectable) throw graphErrors.propertyNotFound(match[1], entity.qualifiedName);
    return { property: def, descending: match[2]?.toLowerCase() === 'desc' };
  });
}

function sortValue(resource: Resource, def: PropertyDef): JsonPrimitive {
  const value = resource.data[def.name];
  if (value === undefined || value === null) return null;
  if (def.type === 'dateTime' && typeof value === 'string') return Date.parse(value);
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function sortKey(resource: Resource, orderBy: readonly OrderBy[]): SortKey {
  const id = resource.data.id;
  return [...orderBy.map((o) => sortValue(resource, o.property)), typeof id === 'string' ? id.toLowerCase() : null];
}

function compareValues(a: JsonPrimitive, b: JsonPrimitive): number {
  if (a === b) return 0;
  if (a === null) return -1; // nulls sort first, as in OData
  if (b === null) return 1;
  if (typeof a !== typeof b) return String(a) < String(b) ? -1 : 1;
  return a < b ? -1 : 1;
}

function compareKeys(a: SortKey, b: SortKey, orderBy: readonly OrderBy[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const c = compareValues(a[i], b[i] ?? null);
    if (c !== 0) return i < orderBy.length && orderBy[i].descending ? -c : c;
  }
  return 0;
}

/** Opaque to clients: the sort key of the last item served (a cursor, so inserts don't shift pages). */
function encodeSkipToken(key: SortKey): string {
  return Buffer.from(JSON.stringify({ v: 1, k: key }), 'utf8').toString('base64url');
}

function decodeSkipToken(token: string, length: number): SortKey {
  // Wording unverified.
  const invalid = graphErrors.requestBadRequest('The $skiptoken value is not valid for this request.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof parsed !== 'object' || parsed === null || !('k' in parsed)) throw invalid;
  const key: unknown = parsed.k;
  if (!Array.isArray(key) || key.length !== length) throw invalid;
  const primitives = key.filter((v): v is JsonPrimitive => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (primitives.length !== key.length) throw invalid;
  return primitives;
}

// ---------------------------------------------------------------------------------------------
// Collections

export interface CollectionSpec {
  /** Type that governs `$select`, `$filter`, `$search` and `$orderby` (a union for members). */
  entity: EntityType;
  /** `@odata.context` fragment: `users`, `groups`, `directoryObjects`, ... */
  contextPath: string;
  items: readonly Resource[];
  /** Add `@odata.type` to each item (directoryObject collections). */
  annotateType?: boolean;
  /** `$filter` works here only as an advanced query (e.g. group members). */
  filterNeedsAdvanced?: boolean;
  /** Takes the advanced query parameters (`$count`) although its items are not directory objects. */
  advancedQueries?: boolean;
}

interface CollectionQuery {
  filter?: FilterExpr;
  search?: SearchExpr;
  orderBy: OrderBy[];
  select?: string[];
  top: number;
  cursor?: SortKey;
  /** `@odata.count` requested with the header. */
  count: boolean;
}

function readCollectionQuery(spec: CollectionSpec, ctx: QueryContext, countSegment: boolean): CollectionQuery {
  checkOptionNames(ctx, COLLECTION_OPTIONS);
  const options = ctx.query.options;
  const { entity } = spec;

  const countText = options.get('$count');
  let countTrue = false;
  if (countText !== undefined) {
    if (!/^(true|false)$/i.test(countText)) {
      throw graphErrors.badRequest(`'${countText}' is not a valid value for $count; use true or false.`);
    }
    countTrue = countText.toLowerCase() === 'true';
  }
  // The $count segment implies counting, so the header alone makes a query "advanced" there.
  const advanced = (entity.directoryObject || spec.advancedQueries === true) && ctx.eventual && (countTrue || countSegment);

  let search: SearchExpr | undefined;
  const searchText = options.get('$search');
  if (searchText !== undefined) {
    if (!entity.directoryObject) throw graphErrors.unsupportedQuery('$search is not supported on this collection.');
    if (!ctx.eventual) {
      throw graphErrors.unsupportedQuery(
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      );
    }
    search = parseSearch(searchText, entity);
  }

  let filter: FilterExpr | undefined;
  let filterProps: PropertyDef[] = [];
  const filterText = options.get('$filter');
  if (filterText !== undefined) {
    const analysis = analyzeFilter(parseFilter(filterText), entity);
    if ((analysis.needsAdvanced || spec.filterNeedsAdvanced) && !advanced) throw graphErrors.unsupportedQuery();
    filter = analysis.expr;
    filterProps = analysis.properties;
  }

  const orderText = options.get('$orderby');
  const orderBy = orderText === undefined ? [] : parseOrderBy(orderText, entity);
  for (const o of orderBy) {
    // Sorting a filtered list, or on an advanced-only property, needs the advanced parameters.
    const sortable = o.property.orderBy;
    if (sortable === undefined || ((sortable === 'advanced' || filter !== undefined) && !advanced)) {
      throw graphErrors.unsupportedQuery('Sorting not supported for current query.');
    }
  }

  const select = parseSelect(options.get('$select'), entity);

  // signInActivity lowers the page-size ceiling to 500.
  const limits = [...(select ?? []).map((n) => findProperty(entity, n)), ...filterProps].map((p) => p?.maxTop).filter((m): m is number => m !== undefined);
  const maxTop = Math.min(MAX_PAGE_SIZE, ...limits);
  let top = Math.min(DEFAULT_PAGE_SIZE, maxTop);
  const topText = options.get('$top');
  if (topText !== undefined && !countSegment) {
    if (!/^-?\d+$/.test(topText.trim())) {
      throw graphErrors.badRequest(`Invalid value '${topText}' for $top query option found. The $top query option requires a non-negative integer value.`);
    }
    top = Number(topText.trim());
    if (top < 1 || top > maxTop) {
      throw graphErrors.requestBadRequest(`Invalid page size specified: '${topText.trim()}'. Must be between 1 and ${maxTop} inclusive.`);
    }
  }

  const tokenText = options.get('$skiptoken');
  const cursor = tokenText === undefined || countSegment ? undefined : decodeSkipToken(tokenText, orderBy.length + 1);

  return { filter, search, orderBy, select, top, cursor, count: advanced && countTrue };
}

/** Directory objects the advanced-query index does not know yet (created within the replication lag). */
function unindexed(spec: CollectionSpec, ctx: QueryContext, item: Resource): boolean {
  const id = item.data.id;
  return ctx.eventual && spec.entity.directoryObject && typeof id === 'string' && ctx.replicating(id);
}

function matching(spec: CollectionSpec, ctx: QueryContext, q: CollectionQuery): Resource[] {
  return spec.items.filter(
    (item) =>
      !unindexed(spec, ctx, item) &&
      (q.filter === undefined || evaluateFilter(q.filter, item.data)) &&
      (q.search === undefined || searchMatches(q.search, item)),
  );
}

/** Whether the request carries both advanced query parameters: `ConsistencyLevel: eventual` and `$count=true`. */
export function isAdvancedQuery(ctx: QueryContext): boolean {
  return ctx.eventual && ctx.query.options.get('$count')?.toLowerCase() === 'true';
}

/** One page of a collection, shaped like the service's answer. */
export function listCollection(spec: CollectionSpec, ctx: QueryContext): JsonObject {
  const q = readCollectionQuery(spec, ctx, false);
  const keyed = matching(spec, ctx, q)
    .map((item) => ({ item, key: sortKey(item, q.orderBy) }))
    .sort((a, b) => compareKeys(a.key, b.key, q.orderBy));
  const cursor = q.cursor;
  const start = cursor === undefined ? 0 : keyed.findIndex((k) => compareKeys(k.key, cursor, q.orderBy) > 0);
  const remaining = start < 0 ? [] : keyed.slice(start);
  const page = remaining.slice(0, q.top);

  const body: JsonObject = { '@odata.context': contextUrl(ctx, spec.contextPath, q.select) };
  if (q.count && cursor === undefined) body['@odata.count'] = keyed.length;
  if (remaining.length > page.length) {
    const kept = ctx.query.rawParts.filter((part) => rawPartName(part) !== '$skiptoken');
    const token = encodeSkipToken(page[page.length - 1].key);
    body['@odata.nextLink'] = `${ctx.origin}${ctx.rawPath}?${[...kept, `$skiptoken=${token}`].join('&')}`;
  }
  body.value = page.map(({ item }) => project(item, q.select, spec.annotateType ?? false));
  return body;
}

/** `GET .../$count`: a bare number; the service refuses it without `ConsistencyLevel: eventual`. */
export function countCollection(spec: CollectionSpec, ctx: QueryContext): number {
  if (!ctx.eventual) throw graphErrors.requestBadRequest('$count is not currently supported.');
  const q = readCollectionQuery(spec, ctx, true);
  return matching(spec, ctx, q).length;
}

/** A single entity with `@odata.context` and `$select`. */
export function entityResponse(resource: Resource, ctx: QueryContext, contextPath: string, annotateType = false): JsonObject {
  for (const name of ctx.query.options.keys()) {
    if (name === '$expand') throw graphErrors.notImplemented('$expand');
  }
  const select = parseSelect(ctx.query.options.get('$select'), resource.entity);
  return {
    '@odata.context': `${contextUrl(ctx, contextPath, select)}/$entity`,
    ...project(resource, select, annotateType),
  };
}
