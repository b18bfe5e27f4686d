// The grammar under core/rules/shell: a recursive-descent parser over the lexer's tokens, one method per construct
// (list, simple command, if, while/until, for/select, braces, subshell, case, function definition). It records every
// simple command with its depth and separators, and the top-level list's elements as items. A construct it does not
// model, or a script that does not parse, stops it with the reason (the script is then "not understood").
import type { Command, Item, Separator, Word } from './shell';
import type { Token } from './shellLex';

const SEPARATORS: ReadonlySet<string> = new Set<Separator>(['&&', '||', ';', '|', '&', '\n']);
/** Words that end a list where the grammar expects them, and are an error anywhere else at a command's start. */
const STOPS: ReadonlySet<string> = new Set(['then', 'do', 'else', 'elif', 'fi', 'done', '}', 'esac']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

/** Where a list ends: at one of these reserved words, at a `)` (a subshell's list), or with the tokens (neither). */
interface ListEnd {
  readonly words: ReadonlySet<string>;
  readonly paren: boolean;
}

const TOP: ListEnd = { words: new Set(), paren: false };
const THEN: ListEnd = { words: new Set(['then']), paren: false };
const IF_BODY: ListEnd = { words: new Set(['elif', 'else', 'fi']), paren: false };
const FI: ListEnd = { words: new Set(['fi']), paren: false };
const DO: ListEnd = { words: new Set(['do']), paren: false };
const DONE: ListEnd = { words: new Set(['done']), paren: false };
const BRACE: ListEnd = { words: new Set(['}']), paren: false };
const PAREN: ListEnd = { words: new Set(), paren: true };

/** What ended a list: its reserved word or `)`, and where that ends. */
interface Stop {
  readonly raw: string;
  readonly end: number;
}

/** One element of a list before the separator after it is known. */
type Element =
  | {
      readonly kind: 'command';
      readonly start: number;
      readonly end: number;
      readonly words: readonly Word[];
      /** Preceded by `!`. */
      readonly negated: boolean;
    }
  | { readonly kind: 'compound'; readonly start: number; readonly end: number };

export interface Parsed {
  readonly commands: readonly Command[];
  readonly items: readonly Item[];
  /** Why the script is not understood; null when it is. */
  readonly unread: string | null;
}

/** Thrown inside the parser to abandon a script it does not read; parseTokens turns it into `unread`. */
class Unread extends Error {}

export function parseTokens(tokens: readonly Token[]): Parsed {
  const parser = new Parser(tokens);
  try {
    parser.script();
    return { commands: parser.commands, items: parser.items, unread: null };
  } catch (error) {
    if (!(error instanceof Unread)) throw error;
    return { commands: parser.commands, items: parser.items, unread: error.message };
  }
}

/** A word as a reserved word or `!`: written plainly, no quotes or expansions. */
function plain(tok: Token | undefined): string | null {
  return tok?.t === 'word' && tok.word.value !== null && tok.word.raw === tok.word.value ? tok.word.value : null;
}

function isOp(tok: Token | undefined, op: string): boolean {
  return tok?.t === 'op' && tok.op === op;
}

class Parser {
  readonly commands: Command[] = [];
  readonly items: Item[] = [];
  private k = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  script(): void {
    this.list(0, TOP);
  }

  private peek(ahead = 0): Token | undefined {
    return this.tokens[this.k + ahead];
  }

  private fail(reason: string): never {
    throw new Unread(reason);
  }

  /** Elements and the separators between them, until `end`; elements at depth 0 are the script's items. */
  private list(depth: number, end: ListEnd): Stop | null {
    let before: Separator | null = null;
    for (let tok = this.peek(); tok; tok = this.peek()) {
      if (tok.t === 'op' && SEPARATORS.has(tok.op)) {
        before = tok.op as Separator;
        this.k++;
        continue;
      }
      const stop = this.stopAt(tok, end);
      if (stop) return stop;
      const element = this.element(depth);
      // Redirections of a compound command (`{ …; } > log`) are not part of what it spans.
      if (element.kind === 'compound') while (this.peek()?.t === 'redir') this.redirection();
      const next = this.peek();
      const after = next?.t === 'op' && SEPARATORS.has(next.op) ? (next.op as Separator) : null;
      if (next && !after && !isOp(next, ')') && !end.words.has(plain(next) ?? ''))
        this.fail('words or an operator right after a command');
      this.record(element, depth, before, after);
      before = after;
    }
    if (end.paren || end.words.size) this.fail(`unclosed: no ${end.paren ? ')' : [...end.words].join('/')}`);
    return null;
  }

  /** The reserved word or `)` that ends the list (consumed), null when `tok` starts an element. */
  private stopAt(tok: Token, end: ListEnd): Stop | null {
    if (isOp(tok, ')')) {
      if (!end.paren) this.fail('a ) that closes nothing');
      this.k++;
      return { raw: ')', end: tok.end };
    }
    const word = plain(tok);
    if (word === null || !STOPS.has(word)) return null;
    if (!end.words.has(word)) this.fail(`${word} out of place`);
    this.k++;
    return { raw: word, end: tok.end };
  }

  private record(element: Element, depth: number, before: Separator | null, after: Separator | null): void {
    const { start, end } = element;
    if (element.kind === 'compound') {
      if (depth === 0) this.items.push({ kind: 'compound', start, end, before, after, command: null });
      return;
    }
    const words = element.words;
    let k = 0;
    while (k < words.length && ASSIGNMENT.test(words[k]?.raw ?? '')) k++;
    const nameWord = words[k] ?? null;
    const value = nameWord?.value;
    const name = value ? value.slice(value.lastIndexOf('/') + 1) || null : null;
    const assignments = words.slice(0, k);
    const args = words.slice(k + 1);
    const negated = element.negated;
    const command: Command = { assignments, name, nameWord, args, start, end, depth, before, after, negated };
    this.commands.push(command);
    if (depth === 0) this.items.push({ kind: 'command', start, end, before, after, command });
  }

  private element(depth: number): Element {
    const tok = this.peek();
    if (isOp(tok, '(')) return this.subshell(depth);
    if (tok?.t === 'op') this.fail(`${tok.op} out of place`);
    const word = plain(tok);
    if (word === '!') return this.negated(depth);
    if (word === 'if') return this.ifClause(depth);
    if (word === 'while' || word === 'until') return this.whileLoop(depth);
    if (word === 'for' || word === 'select') return this.forLoop(depth);
    if (word === '{') return this.braceGroup(depth);
    if (word === 'case') return this.caseClause();
    if (word === 'function') this.fail('a ksh-style function definition');
    if (tok?.t === 'word' && isOp(this.peek(1), '(') && isOp(this.peek(2), ')')) return this.functionDef(depth);
    return this.simple();
  }

  /** Words and redirections up to an operator: a simple command (a redirection's target is not a word of it). */
  private simple(): Element {
    const words: Word[] = [];
    let start = -1;
    let end = -1;
    for (let tok = this.peek(); tok && tok.t !== 'op'; tok = this.peek()) {
      if (start < 0) start = tok.start;
      if (tok.t === 'word') {
        words.push(tok.word);
        end = tok.end;
        this.k++;
      } else end = this.redirection();
    }
    return { kind: 'command', start, end, words, negated: false };
  }

  /** A redirection and its target, consumed; where the target ends. */
  private redirection(): number {
    const target = this.peek(1);
    if (target?.t !== 'word') this.fail('a redirection without a target');
    this.k += 2;
    return target.end;
  }

  /** `! pipeline`: the simple command after it is marked negated. */
  private negated(depth: number): Element {
    this.k++;
    const inner = this.element(depth);
    return inner.kind === 'command' ? { ...inner, negated: true } : inner;
  }

  /** `if list; then list; [elif list; then list;]… [else list;] fi`. */
  private ifClause(depth: number): Element {
    const start = this.keyword();
    this.list(depth + 1, THEN);
    for (;;) {
      const stop = this.list(depth + 1, IF_BODY);
      if (stop?.raw === 'elif') this.list(depth + 1, THEN);
      else if (stop?.raw === 'else') return this.compound(start, this.list(depth + 1, FI));
      else return this.compound(start, stop);
    }
  }

  /** `while list; do list; done` (and `until`). */
  private whileLoop(depth: number): Element {
    const start = this.keyword();
    this.list(depth + 1, DO);
    return this.compound(start, this.list(depth + 1, DONE));
  }

  /** `for NAME [in WORDS]; do list; done` (and `select`): the header holds no command. */
  private forLoop(depth: number): Element {
    const start = this.keyword();
    const first = this.k;
    while (this.k < this.tokens.length) {
      const atDo = plain(this.peek()) === 'do' && (this.k === first + 1 || this.peek(-1)?.t === 'op');
      this.k++;
      if (atDo) return this.compound(start, this.list(depth + 1, DONE));
    }
    return this.fail('a for loop without do');
  }

  /** `{ list; }`. */
  private braceGroup(depth: number): Element {
    const start = this.keyword();
    return this.compound(start, this.list(depth + 1, BRACE));
  }

  /** `( list )`. */
  private subshell(depth: number): Element {
    const start = this.keyword();
    return this.compound(start, this.list(depth + 1, PAREN));
  }

  /** `case WORD in …) list;; … esac`, nested ones counted: skipped whole, its commands are not read. */
  private caseClause(): Element {
    const start = this.keyword();
    let nested = 1;
    for (let tok = this.peek(); tok; tok = this.peek()) {
      this.k++;
      if (tok.t !== 'word') continue;
      if (tok.word.raw === 'case') nested++;
      else if (tok.word.raw === 'esac' && --nested === 0) return { kind: 'compound', start, end: tok.end };
    }
    return this.fail('a case without esac');
  }

  /** `name() compound`: the definition spans from the name to the end of its body. */
  private functionDef(depth: number): Element {
    const start = this.keyword();
    this.k += 2;
    while (isOp(this.peek(), '\n')) this.k++;
    const body = this.element(depth);
    if (body.kind !== 'compound') this.fail('a function whose body is not a compound command');
    return { kind: 'compound', start, end: body.end };
  }

  /** Consumes the construct's first token; where it starts. */
  private keyword(): number {
    const tok = this.peek();
    this.k++;
    return tok?.start ?? -1;
  }

  private compound(start: number, stop: Stop | null): Element {
    return { kind: 'compound', start, end: stop?.end ?? -1 };
  }
}
