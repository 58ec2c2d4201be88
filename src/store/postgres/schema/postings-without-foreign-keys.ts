/**
 * Schema version 8: postings stop checking their document with a foreign key. Each posting row paid
 * for a key lookup in the memories or messages table (a fifth of the time of inserting a batch of
 * postings), to check what the writer already knows: postings are only ever written in the
 * transaction that writes their document, or that holds its row locked.
 *
 * What the foreign key's `ON DELETE CASCADE` did is done per statement instead: when documents go
 * (a delete, or their agent's or project's deletion cascading to them), one statement removes all
 * their postings. The function keeps the search path it was created with, so that it finds engram's
 * tables whatever the deleting session's search path is.
 */
/** Removes the postings of a table's deleted documents, once per deleting statement. */
function postingsGoWithDocuments(documents: string, postings: string): string {
  return `
CREATE FUNCTION ${postings}_of_gone() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM ${postings} p USING gone WHERE p.doc = gone.rowid;
  RETURN NULL;
END $$;
CREATE TRIGGER ${postings}_of_gone AFTER DELETE ON ${documents}
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION ${postings}_of_gone();
`;
}

export const POSTINGS_WITHOUT_FOREIGN_KEYS = `
ALTER TABLE memory_postings DROP CONSTRAINT memory_postings_doc_fkey;
ALTER TABLE message_postings DROP CONSTRAINT message_postings_doc_fkey;
${postingsGoWithDocuments("memories", "memory_postings")}${postingsGoWithDocuments("messages", "message_postings")}`;
