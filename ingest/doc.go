// Package ingest reads and writes village's data: accounts (with their
// traits), contacts, committee seats, signals, renewal outcomes, survey
// plans and answers, and models, from CSV (header-driven, columns
// renamable) and JSON lines, so that a CRM export and a file of survey or
// usage events become scoring input without hand-written glue. CSV lines
// without quotes are split directly (no allocation a row), with
// encoding/csv's results.
//
// In the design's terms it sits beside journey: it imports persona and
// scoring and nothing imports it; the pure packages stay free of I/O.
//
// Every row is accounted for. A Reader streams accepted rows through All (one
// row at a time, never the whole file), and records each rejected row with
// its file, line, column and reason in its Summary, where Read == Accepted +
// Rejected. CRM exports carry job titles, not personas: Contacts maps titles
// through a persona.TitleMapper and reports the titles no rule matched
// (Summary.Unmapped); with no fallback persona such a contact is kept as
// persona.Unmapped rather than guessed, and scoring drops its signals with a
// reason. Scoring then applies its own checks (a value off a metric's
// scale, an unknown contact) and reports what it drops in its Result.
// Attach puts contacts into their accounts, and GroupSignals signals with
// theirs, in the shape scoring.Scorer.NewBatch prepares a base from; both
// return what names no known account.
//
// Times are RFC 3339, YYYY-MM-DD (midnight UTC) or a date and time without
// a zone, taken as UTC (ParseTime); numbers must be finite.
// ReadModel rejects unknown fields, so a misspelt setting in a model file
// fails instead of being ignored.
package ingest
