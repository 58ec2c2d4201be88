/**
 * The full-text index: engram's own postings and statistics, so that ranking is the same BM25 as
 * the SQLite backend's FTS5 (PostgreSQL's `ts_rank` is not BM25).
 */
export const SEARCH_TABLES = `
`;
