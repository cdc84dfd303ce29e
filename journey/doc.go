// Package journey is the customer journey turned sideways: personas down,
// stages across, so that each persona's path, gaps and sentiment show, and
// what people say at touchpoints reaches the team that can act.
//
// B2B journeys are not a line. Several personas travel different paths at
// once, double back (the snake), and the touchpoints after the purchase
// matter most. A Journey is a validated Config (stages in order, with
// DefaultStages and the LAER lens ready-made; touchpoints, each owned by a
// team and designed for some personas; fallback routing). Build places
// interactions (a contact met a touchpoint at a time, with an optional score
// and an optional verbatim comment) on a Map as of a time, rejecting with a
// reason anything it cannot place.
//
// From a Map:
//   - Cell: per persona x stage, interactions, distinct people, mean
//     sentiment (scores normalised to 0..100 on the touchpoint's scale), last
//     contact, and whether any touchpoint is designed for it;
//   - Path: a persona's run of stages over time;
//   - Gaps: cells with no touchpoint designed, no interaction in the window,
//     or sentiment below the threshold, the heaviest persona's first;
//   - Consistency: the chance of a good experience at every touchpoint a
//     persona meets in a stage, the product of each touchpoint's share of
//     good interactions (0.95 at each of six touchpoints compounds to 0.735);
//   - TimeToValue: contract start to a milestone touchpoint, per account,
//     with the cohort median (R's type-7 median);
//   - Comments: an Inbox per team with follow-up status, text verbatim;
//   - Signals: the scored interactions as scoring.Signals, so journey data
//     feeds account health with no glue code.
//
// Expectations tracks the expectation set (jobs to be done) each account is
// buying for, switched by triggers (a new executive, a new initiative, a
// renewal window); DetectTriggers finds the first and last in the accounts.
//
// Loop closes the loop: actions tied to a comment (FromComment), a gap
// (FromGap) or raised by hand, each with an owner, a due date and a dated
// history through in-progress and "shared with the customer" to done or
// dropped; ageing and Overdue; Recurrences, a complaint on a topic (Topics:
// phrase rules matched as whole words) coming back after its action was
// done; and Summary, where an account stands before its renewal.
//
// Journey, Map, Expectations and Topics are immutable and safe for
// concurrent use; an Inbox and a Loop are safe for concurrent use.
package journey
