import { Tokenizer } from '@huggingface/tokenizers';

/**
 * The part of @huggingface/tokenizers' Tokenizer used here. The package's own
 * declarations are ES modules with extension-less imports, which TypeScript's
 * node16 resolution (this repo's) cannot follow: they would type it `any`.
 */
export interface TokenizerApi {
  tokenize(text: string, options: { add_special_tokens: boolean }): string[];
  encode(
    text: string,
    options: { return_token_type_ids: true },
  ): { ids: number[]; attention_mask: number[]; token_type_ids: number[] };
  token_to_id(token: string): number | undefined;
  post_processor: {
    post_process(tokens: string[]): { tokens: string[]; token_type_ids?: number[] };
  } | null;
}

/** The library's Tokenizer class, typed by TokenizerApi. */
export const HfTokenizerClass = Tokenizer as unknown as new (
  tokenizerJson: object,
  tokenizerConfig: object,
) => TokenizerApi;

/** One text, encoded for the graph. */
export interface EncodedText {
  ids: number[];
  typeIds: number[];
}

/**
 * Largest `model_max_length` taken as the model's own: transformers writes
 * 1e30 when the tokenizer has no limit, and then the position embeddings
 * (`max_position_embeddings`) bound what the graph takes.
 */
const NO_LIMIT = 1_000_000;

/**
 * A Hugging Face `tokenizer.json` (WordPiece, BPE, Unigram) through
 * @huggingface/tokenizers, with truncation as the Rust library does it for
 * one sequence: the text's tokens are cut to leave room for the special
 * tokens the post-processor adds, then the post-processor adds them.
 */
export class HfTokenizer {
  private readonly tokenizer: TokenizerApi;
  private readonly specialCount: number;
  readonly padId: number;
  private readonly unkId: number;

  constructor(
    tokenizerJson: object,
    tokenizerConfig: Record<string, unknown>,
    readonly maxLength: number,
    padId?: number,
  ) {
    this.tokenizer = new HfTokenizerClass(tokenizerJson, tokenizerConfig);
    this.specialCount = this.postProcess([]).tokens.length;
    if (maxLength <= this.specialCount) {
      throw new Error(`model_max_length ${maxLength} leaves no room for a text`);
    }
    const padToken = tokenizerConfig['pad_token'];
    this.padId =
      padId ??
      (typeof padToken === 'string' ? this.tokenizer.token_to_id(padToken) : undefined) ??
      0;
    const unk = tokenizerConfig['unk_token'];
    this.unkId = (typeof unk === 'string' ? this.tokenizer.token_to_id(unk) : undefined) ?? 0;
  }

  /** The length a config asks for, bounded by the position embeddings when it names none. */
  static maxLengthOf(
    tokenizerConfig: Record<string, unknown>,
    config: Record<string, unknown>,
  ): number {
    const declared = tokenizerConfig['model_max_length'];
    const positions = config['max_position_embeddings'];
    if (typeof declared === 'number' && declared > 0 && declared < NO_LIMIT) return declared;
    if (typeof positions === 'number' && positions > 0) return positions;
    throw new Error('neither model_max_length nor max_position_embeddings gives a sequence length');
  }

  encode(text: string): EncodedText {
    const tokens = this.tokenizer.tokenize(text, { add_special_tokens: false });
    const kept = tokens.slice(0, this.maxLength - this.specialCount);
    const processed = this.postProcess(kept);
    return {
      ids: processed.tokens.map((token) => this.tokenizer.token_to_id(token) ?? this.unkId),
      typeIds: processed.token_type_ids ?? new Array<number>(processed.tokens.length).fill(0),
    };
  }

  private postProcess(tokens: string[]): { tokens: string[]; token_type_ids?: number[] } {
    const processor = this.tokenizer.post_processor;
    return processor ? processor.post_process(tokens) : { tokens };
  }
}
