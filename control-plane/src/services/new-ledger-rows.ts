/**
 * The ledger rows one ingested batch added, as a relation (alias `l`) for the statements that aggregate them in
 * the batch's transaction; its one parameter is the batch's new request ids as a JSON array.
 */
export const NEW_ROWS = `"spend_log" l join jsonb_array_elements_text(?::jsonb) as n("request_id") using ("request_id")`;
