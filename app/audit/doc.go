// Package audit is Taimen's consent-scoped, tamper-evident audit log: one
// [Entry] per finished check, written on the counter to SQLite and forwarded
// to a PostgreSQL central store.
//
// # What an entry holds
//
// Facts about the check (time, terminal, operator, purpose and legal basis,
// document type and issuer, the requested elements with intent_to_retain,
// the disclosed element names, every check's status and reason code, the
// verdict and the clerk's visual confirmation) and a keyed hash of the
// document number for spotting repeats. Element values are kept only where
// the purpose allows retention and the customer agreed ([Retention]); they
// live in separate value rows, and the entry holds only salted commitments
// to them, so a retention purge deletes values without breaking the chain.
// The My Number (individual_number_unicode) is never stored, hashed or
// committed to ([Forbidden]).
//
// # Tamper evidence
//
// Each entry is stored as the exact bytes of its canonical encoding
// (deterministic CBOR, [EntryVersion]); its hash covers the previous entry's
// hash, so editing, deleting or reordering entries breaks the chain at the
// first affected entry. Checkpoints signed with the terminal's Ed25519 key
// cover (sequence number, head hash): one every CheckpointEvery entries, and
// one for the newest entry, rewritten in the same transaction as each append,
// so a truncated tail is detected as well. [Verify] streams the rows and
// names the first broken entry.
//
// # Storage and forwarding
//
// On the counter, [Open] gives the terminal's [Log]: one SQLite file
// (modernc.org/sqlite, no cgo) in WAL mode with synchronous=FULL, so an
// acknowledged [Log.Append] survives a crash or power cut; secure_delete is
// on so purged values are overwritten. Centrally, [OpenCentral] gives the
// PostgreSQL store, keyed by (terminal_id, seq). A [Forwarder] pushes
// unacknowledged entries in batches; [Central.Receive] is idempotent and
// refuses an entry that differs from the stored one ([ErrConflict]). Both
// back ends share one table layout, so [Store.Verify], [Store.Export] and
// [Store.Purge] work on either ([OpenStore] takes a file path or a
// postgres:// URL).
//
// Limits: an attacker who can write the database and holds the terminal's
// private key can rewrite everything; an attacker without it can roll the
// whole file back to an earlier signed state (a copy), which only the
// central store (entries already forwarded) reveals.
package audit
