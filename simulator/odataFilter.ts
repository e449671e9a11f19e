/**
 * A parser and evaluator for the `$filter` subset the directory supports:
 * `eq ne gt ge lt le`, `in (...)`, `and`, `or`, `not`, parentheses, `startswith()` / `endswith()`,
 * and `any` lambdas over string collections (`otherMails/any(x:x eq 'a@b.com')`).
 *
 * Parsing only checks syntax. `analyzeFilter` then checks the expression against an entity type
 * (unknown properties, literal types, what needs advanced query parameters), and
 * `evaluateFilter` runs it against a resource.
 */
import { GraphError, graphErrors } from './errors';
import type { JsonObject, JsonValue } from './json';
import { findProperty, type EntityType, type PropertyDef, type Support } from './schema';

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'number'; value: number }
  | { type: 'dateTime'; text: string; time: number };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterFunction = 'startswith' | 'endswith' | 'contains';

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; operand: FilterExpr }
  | { kind: 'compare'; op: CompareOp; path: string; value: Literal }
  | { kind: 'in'; path: string; values: Literal[] }
  | { kind: 'function'; name: FilterFunction; path: string; value: Literal }
  | { kind: 'lambda'; quantifier: 'any' | 'all'; path: string; variable: string; predicate: FilterExpr };

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'literal'; v: Literal; pos: number }
  | { t: 'punct'; v: '(' | ')' | ',' | ':'; pos: number }
  | { t: 'end'; pos: number };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_$][A-Za-z0-9_]*)*/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/i;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;

class FilterSyntaxError extends Error {}

function syntaxError(message: string): FilterSyntaxError {
  return new FilterSyntaxError(message);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ t: 'punct', v: ch, pos: i });
      i += 1;
      continue;
    }
    if (ch === "'") {
      // OData string literal: a quote inside is written as two quotes ('o''brien').
      const start = i;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw syntaxError(`unterminated string literal at position ${start}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ t: 'literal', v: { type: 'string', value }, pos: start });
      continue;
    }
    const rest = text.slice(i);
    const dt = DATE_TIME.exec(rest);
    if (dt) {
      const time = Date.parse(dt[0]);
      if (Number.isNaN(time)) throw syntaxError(`invalid DateTimeOffset '${dt[0]}' at position ${i}`);
      tokens.push({ t: 'literal', v: { type: 'dateTime', text: dt[0], time }, pos: i });
      i += dt[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      const next = rest[num[0].length];
      if (next !== undefined && /[A-Za-z0-9_]/.test(next)) {
        throw syntaxError(`unexpected characters at position ${i}`);
      }
      tokens.push({ t: 'literal', v: { type: 'number', value: Number(num[0]) }, pos: i });
      i += num[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      const word = ident[0];
      if (word === 'true' || word === 'false') {
        tokens.push({ t: 'literal', v: { type: 'boolean', value: word === 'true' }, pos: i });
      } else if (word === 'null') {
        tokens.push({ t: 'literal', v: { type: 'null' }, pos: i });
      } else {
        tokens.push({ t: 'ident', v: word, pos: i });
      }
      i += word.length;
      continue;
    }
    throw syntaxError(`unexpected character '${ch}' at position ${i}`);
  }
  tokens.push({ t: 'end', pos: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser

const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const FUNCTIONS: readonly string[] = ['startswith', 'endswith', 'contains'];

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterExpr {
    const expr = this.parseOr();
    const next = this.peek();
    if (next.t !== 'end') throw syntaxError(`unexpected token at position ${next.pos}`);
    return expr;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private take(): Token {
    const token = this.peek();
    this.index += 1;
    return token;
  }

  private isPunct(token: Token, value: string): boolean {
    return token.t === 'punct' && token.v === value;
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.t === 'ident' && token.v === word;
  }

  private expectPunct(value: '(' | ')' | ',' | ':'): void {
    const token = this.take();
    if (token.t !== 'punct' || token.v !== value) {
      throw syntaxError(`expected '${value}' at position ${token.pos}`);
    }
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), 'or')) {
      this.take();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    while (this.isKeyword(this.peek(), 'and')) {
      this.take();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterExpr {
    if (this.isKeyword(this.peek(), 'not')) {
      this.take();
      return { kind: 'not', operand: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpr {
    const token = this.take();
    if (token.t === 'punct' && token.v === '(') {
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (token.t !== 'ident') {
      throw syntaxError(`expected a property, function or '(' at position ${token.pos}`);
    }
    const next = this.peek();
    if (next.t === 'punct' && next.v === '(') {
      const lower = token.v.toLowerCase();
      if (FUNCTIONS.includes(lower)) return this.parseFunction(lower as FilterFunction);
      const lambda = /^(.*)\/(any|all)$/i.exec(token.v);
      if (lambda) return this.parseLambda(lambda[1], lambda[2].toLowerCase() as 'any' | 'all');
      throw syntaxError(`unknown function '${token.v}' at position ${token.pos}`);
    }
    return this.parseComparison(token.v);
  }

  private parseFunction(name: FilterFunction): FilterExpr {
    this.expectPunct('(');
    const path = this.take();
    if (path.t !== 'ident') throw syntaxError(`expected a property at position ${path.pos}`);
    this.expectPunct(',');
    const value = this.parseLiteral();
    this.expectPunct(')');
    return { kind: 'function', name, path: path.v, value };
  }

  private parseLambda(path: string, quantifier: 'any' | 'all'): FilterExpr {
    this.expectPunct('(');
    const variable = this.take();
    if (variable.t !== 'ident' || variable.v.includes('/')) {
      throw syntaxError(`expected a lambda variable at position ${variable.pos}`);
    }
    this.expectPunct(':');
    const predicate = this.parseOr();
    this.expectPunct(')');
    return { kind: 'lambda', quantifier, path, variable: variable.v, predicate };
  }

  private parseComparison(path: string): FilterExpr {
    const op = this.take();
    if (op.t !== 'ident') throw syntaxError(`expected an operator at position ${op.pos}`);
    if (op.v === 'in') {
      this.expectPunct('(');
      const values: Literal[] = [this.parseLiteral()];
      while (this.isPunct(this.peek(), ',')) {
        this.take();
        values.push(this.parseLiteral());
      }
      this.expectPunct(')');
      return { kind: 'in', path, values };
    }
    if (!COMPARE_OPS.includes(op.v)) throw syntaxError(`unknown operator '${op.v}' at position ${op.pos}`);
    return { kind: 'compare', op: op.v as CompareOp, path, value: this.parseLiteral() };
  }

  private parseLiteral(): Literal {
    const token = this.take();
    if (token.t !== 'literal') throw syntaxError(`expected a literal at position ${token.pos}`);
    return token.v;
  }
}

/** Parses a `$filter` value; a syntax error is the service's 400 `BadRequest` "Invalid filter clause". */
export function parseFilter(text: string): FilterExpr {
  try {
    if (text.trim() === '') throw syntaxError('the expression is empty');
    return new Parser(tokenize(text)).parse();
  } catch (err) {
    if (err instanceof FilterSyntaxError) {
      throw graphErrors.badRequest(`Invalid filter clause: ${err.message} in '${text}'.`);
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis against an entity type

export interface FilterAnalysis {
  /** The expression with property names in their canonical casing. */
  expr: FilterExpr;
  /** True if any part needs `ConsistencyLevel: eventual` + `$count=true`. */
  needsAdvanced: boolean;
  /** Canonical property paths the filter reads. */
  properties: PropertyDef[];
}

const EDM_TYPES: Record<Literal['type'], string> = {
  string: 'Edm.String',
  boolean: 'Edm.Boolean',
  null: 'null',
  number: 'Edm.Int32',
  dateTime: 'Edm.DateTimeOffset',
};

const OPERATOR_KINDS: Record<CompareOp, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

function propertyEdmType(def: PropertyDef): string {
  switch (def.type) {
    case 'boolean':
      return 'Edm.Boolean';
    case 'dateTime':
      return 'Edm.DateTimeOffset';
    default:
      return 'Edm.String';
  }
}

/** Literal type a property (or a string-collection element) compares against. */
function expectedLiteral(def: PropertyDef): Literal['type'] {
  if (def.type === 'boolean') return 'boolean';
  if (def.type === 'dateTime') return 'dateTime';
  return 'string';
}

class Analyzer {
  needsAdvanced = false;
  readonly properties: PropertyDef[] = [];

  constructor(private readonly entity: EntityType) {}

  private unsupported(def: PropertyDef): GraphError {
    return graphErrors.unsupportedQuery(
      `Unsupported or invalid query filter clause specified for property '${def.name}' of resource '${this.entity.resourceName}'.`,
    );
  }

  private require(support: Support | undefined, def: PropertyDef): void {
    if (support === undefined) throw this.unsupported(def);
    if (support === 'advanced') this.needsAdvanced = true;
  }

  private resolve(path: string): PropertyDef {
    const def = findProperty(this.entity, path);
    if (!def) {
      const segments = path.split('/');
      throw graphErrors.propertyNotFound(segments[segments.length - 1], this.entity.qualifiedName);
    }
    if (!def.filter) throw this.unsupported(def);
    if (!this.properties.includes(def)) this.properties.push(def);
    return def;
  }

  private checkType(def: PropertyDef, literal: Literal, op: CompareOp): void {
    if (literal.type === 'null') return;
    if (literal.type !== expectedLiteral(def)) {
      throw graphErrors.badRequest(
        `Invalid filter clause: A binary operator with incompatible types was detected. Found operand types '${propertyEdmType(def)}' and '${EDM_TYPES[literal.type]}' for operator kind '${OPERATOR_KINDS[op]}'.`,
      );
    }
  }

  analyze(expr: FilterExpr): FilterExpr {
    switch (expr.kind) {
      case 'and':
      case 'or':
        return { kind: expr.kind, left: this.analyze(expr.left), right: this.analyze(expr.right) };
      case 'not':
        this.needsAdvanced = true;
        return { kind: 'not', operand: this.analyze(expr.operand) };
      case 'compare': {
        const def = this.resolve(expr.path);
        if (def.type === 'stringCollection' || def.type === 'complexCollection' || def.type === 'complex') {
          throw graphErrors.badRequest(
            `Invalid filter clause: '${def.name}' is a collection or complex property; use a lambda such as ${def.name}/any(x:x eq 'value').`,
          );
        }
        this.checkType(def, expr.value, expr.op);
        const filter = def.filter ?? {};
        if (expr.op === 'eq' || expr.op === 'ne') {
          this.require(filter.eq, def);
          if (expr.op === 'ne' || expr.value.type === 'null') this.needsAdvanced = true;
        } else {
          this.require(filter.range, def);
        }
        return { ...expr, path: def.name };
      }
      case 'in': {
        const def = this.resolve(expr.path);
        if (def.type === 'stringCollection' || def.type === 'complexCollection' || def.type === 'complex') {
          throw graphErrors.badRequest(`Invalid filter clause: '${def.name}' is a collection or complex property.`);
        }
        for (const value of expr.values) this.checkType(def, value, 'eq');
        this.require(def.filter?.eq, def);
        return { ...expr, path: def.name };
      }
      case 'function': {
        const def = this.resolve(expr.path);
        if (def.type !== 'string') throw this.unsupported(def);
        if (expr.value.type !== 'string') {
          throw graphErrors.badRequest(`Invalid filter clause: ${expr.name}() needs a string literal.`);
        }
        if (expr.name === 'contains') throw this.unsupported(def);
        this.require(expr.name === 'startswith' ? def.filter?.startsWith : def.filter?.endsWith, def);
        return { ...expr, path: def.name };
      }
      case 'lambda': {
        const def = this.resolve(expr.path);
        if (def.type !== 'stringCollection') throw this.unsupported(def);
        if (expr.quantifier === 'all') throw this.unsupported(def);
        const predicate = this.analyzeLambdaBody(expr.predicate, expr.variable, def);
        return { ...expr, path: def.name, predicate };
      }
    }
  }

  /** Inside `any(x: ...)` only the variable itself may be compared. */
  private analyzeLambdaBody(expr: FilterExpr, variable: string, def: PropertyDef): FilterExpr {
    const checkVariable = (path: string): void => {
      if (path !== variable) {
        throw graphErrors.badRequest(`Invalid filter clause: only the lambda variable '${variable}' can be used inside ${def.name}/any().`);
      }
    };
    const filter = def.filter ?? {};
    switch (expr.kind) {
      case 'and':
      case 'or':
        return {
          kind: expr.kind,
          left: this.analyzeLambdaBody(expr.left, variable, def),
          right: this.analyzeLambdaBody(expr.right, variable, def),
        };
      case 'not':
        this.needsAdvanced = true;
        return { kind: 'not', operand: this.analyzeLambdaBody(expr.operand, variable, def) };
      case 'compare':
        checkVariable(expr.path);
        this.checkType(def, expr.value, expr.op);
        this.require(filter.anyEq, def);
        if (expr.op !== 'eq' || expr.value.type === 'null') this.needsAdvanced = true;
        return expr;
      case 'in':
        checkVariable(expr.path);
        for (const value of expr.values) this.checkType(def, value, 'eq');
        this.require(filter.anyEq, def);
        return expr;
      case 'function':
        checkVariable(expr.path);
        if (expr.value.type !== 'string' || expr.name === 'contains') throw this.unsupported(def);
        this.require(expr.name === 'startswith' ? filter.anyStartsWith : filter.anyEndsWith, def);
        return expr;
      case 'lambda':
        throw this.unsupported(def);
    }
  }
}

export function analyzeFilter(expr: FilterExpr, entity: EntityType): FilterAnalysis {
  const analyzer = new Analyzer(entity);
  const canonical = analyzer.analyze(expr);
  // signInActivity may only be filtered on its own (never with userType etc.).
  if (analyzer.properties.some((p) => p.filter?.alone) && analyzer.properties.some((p) => !p.filter?.alone)) {
    throw graphErrors.unsupportedQuery('signInActivity can only be filtered on its own, not together with other properties.');
  }
  return { expr: canonical, needsAdvanced: analyzer.needsAdvanced, properties: analyzer.properties };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Resolver = (path: string) => JsonValue | undefined;

function readPath(resource: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = resource;
  for (const segment of path.split('/')) {
    if (current === null || current === undefined || typeof current !== 'object' || Array.isArray(current)) {
      return undefined;
    }
    current = current[segment];
  }
  return current;
}

/** Values the directory compares: strings case-insensitively, date-times by instant. */
function comparable(value: JsonValue | undefined, literal: Literal): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (literal.type === 'dateTime') {
    if (typeof value !== 'string') return null;
    const time = Date.parse(value);
    return Number.isNaN(time) ? null : time;
  }
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function literalValue(literal: Literal): string | number | boolean | null {
  switch (literal.type) {
    case 'string':
      return literal.value.toLowerCase();
    case 'boolean':
    case 'number':
      return literal.value;
    case 'dateTime':
      return literal.time;
    case 'null':
      return null;
  }
}

function compare(op: CompareOp, actual: JsonValue | undefined, literal: Literal): boolean {
  const left = comparable(actual, literal);
  const right = literalValue(literal);
  if (op === 'eq') return left === right;
  if (op === 'ne') return left !== right;
  if (left === null || right === null) return false;
  if (typeof left !== typeof right) return false;
  switch (op) {
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

function evaluate(expr: FilterExpr, resolve: Resolver): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluate(expr.left, resolve) && evaluate(expr.right, resolve);
    case 'or':
      return evaluate(expr.left, resolve) || evaluate(expr.right, resolve);
    case 'not':
      return !evaluate(expr.operand, resolve);
    case 'compare':
      return compare(expr.op, resolve(expr.path), expr.value);
    case 'in': {
      const actual = resolve(expr.path);
      return expr.values.some((value) => compare('eq', actual, value));
    }
    case 'function': {
      const actual = resolve(expr.path);
      if (typeof actual !== 'string' || expr.value.type !== 'string') return false;
      const haystack = actual.toLowerCase();
      const needle = expr.value.value.toLowerCase();
      if (expr.name === 'startswith') return haystack.startsWith(needle);
      if (expr.name === 'endswith') return haystack.endsWith(needle);
      return haystack.includes(needle);
    }
    case 'lambda': {
      const collection = resolve(expr.path);
      const items = Array.isArray(collection) ? collection : [];
      const test = (item: JsonValue): boolean => evaluate(expr.predicate, (path) => (path === expr.variable ? item : resolve(path)));
      return expr.quantifier === 'any' ? items.some(test) : items.every(test);
    }
  }
}

/** Runs an analyzed (canonical) expression against a resource's JSON representation. */
export function evaluateFilter(expr: FilterExpr, resource: JsonObject): boolean {
  return evaluate(expr, (path) => readPath(resource, path));
}
