// Command village scores customer accounts from CSV or JSON-lines files,
// without writing Go: persona-aware account health with its explanation,
// calibration on renewal outcomes, survey plans and their estimates, and a
// synthetic base to try it all on.
//
//	village generate --dir demo --accounts 200                 # a synthetic base as CSV files
//	village score --dir demo --at 2026-01-01                    # one row per account
//	village explain --dir demo --at 2026-01-01 acct-00002       # why that account scores what it does
//	village calibrate --dir demo --model-out fitted.json        # fit the model to the renewals
//	village score --dir demo --model fitted.json --json
//	village plan --objective renewal --dir demo --at 2026-01-01 --budget 300 --out invite.csv  # whom to ask, and why
//	village plan --dir demo --budget 300 --at 2026-01-01 --asked demo/signals.csv --out plan.csv
//	village generate --dir demo --answers-for plan.csv          # field the plan (simulated)
//	village estimate --plan plan.csv --answers demo/answers.csv # naive, weighted, persona-weighted NPS
//	village model default > model.json                          # the default model, to edit
//
// Inputs are named one by one (--accounts, --contacts, --signals,
// --committee, --outcomes) or found in --dir as accounts.csv,
// contacts.csv, signals.csv, committee.csv and outcomes.csv (or .jsonl).
// A file ending in .jsonl or .ndjson is read as JSON lines, any other as
// CSV with a header. --col at=timestamp reads a logical column from a
// file's own column name, in every file; --col accounts.id=account in one
// file only (accounts, contacts, signals, committee or outcomes). Contacts with no persona are mapped from their
// job title with the built-in B2B title rules, or --titles rules.json;
// unmapped titles are counted, and their signals dropped with a reason.
//
// plan --objective renewal values one more answer from every active contact
// by how far it is expected to move the account's score (or, with --link
// a,b, its P(renew)), the veto an answer could make or clear included, times
// the chance that they answer (--respond), and chooses the invitations
// worth most per cost within the budget (--draw poisson draws them with
// probability proportional to that instead, so that the answers also
// estimate the base's NPS without bias). Each row says why: persona, veto,
// when last heard, ARR, the outlook and how far an answer would move it.
// The default objective, estimate, is a Neyman-allocated survey for a
// base-wide NPS.
//
// Every row of every input file is accounted for on stderr (read,
// accepted, rejected with the reasons). Output goes to stdout, or to --out,
// written whole or not at all.
//
// Exit codes:
//
//	0    done; rows rejected and accounts that cannot be scored (a committee
//	     that cannot be applied, a contact listed twice) are reported on
//	     stderr, and the others written
//	1    nothing could be scored: score wrote its rows but no account
//	     heard a usable signal (the commonest reasons for the signals
//	     dropped, with counts, are printed); or done as for 0, but --strict
//	     was given and some row was rejected, some account could not be
//	     scored or heard nobody
//	2    usage: an unknown command or flag, a missing argument
//	3    input: a file that cannot be read, a missing column, an invalid
//	     model or title rules, an account asked for that is not in the
//	     files, outcomes that cannot be calibrated on
//	130  interrupted (Ctrl-C): nothing is left half-written
package main
