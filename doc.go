// Package village is a library for persona-aware account health in B2B.
//
// In B2B there is no single customer. An account is a village: a buying
// committee that decides the renewal, end users who work with the product
// every day, influencers, gatekeepers who can block it and champions who
// speak for it, joining and leaving all the time. A health score that
// averages whatever answers happen to arrive is dominated by the people
// easiest to reach (end users, technicians opening tickets) and is silent on
// the people who decide, and it cannot say how sure it is.
//
// village models the village and integrates it instead of averaging it:
//
//   - package persona models the people: personas with a group, a weight, a
//     buying-centre role and a veto; contacts with tenure; accounts; jobs to
//     be done; and coverage, how much of the village is reachable at a time.
//   - package scoring turns signals (survey answers, usage, sentiment) into an
//     explained account health score, nesting person -> persona -> group ->
//     account, with veto holders, recency, small-sample shrinkage, missing
//     personas and an interval.
//   - package sampling plans who to ask (strata by persona, allocation,
//     contact fatigue) and estimates from whoever answered with design
//     weights and honest standard errors.
//   - package journey is the persona x stage view of the customer journey,
//     with gaps and informal comments routed to the team that can act.
//   - package scoring/calibrate fits persona weights to renewal outcomes and
//     reports how well scores predict them; scoring/scoringtest checks any
//     account scorer against the contract.
//   - package ingest reads and writes accounts, contacts, signals and models
//     as CSV and JSON lines, accounting for every row.
//
// Data flows one way: a persona.Catalog and persona.Accounts describe who is
// there; signals about them go into a compiled scoring model; the result
// explains the score, who drives it and who was not heard.
//
// A short sketch (see examples/quickstart for a runnable program):
//
//	cat := persona.B2B()
//	cov := persona.CoverageAt(&account, cat, time.Now())
//	fmt.Print(cov) // who is present, missing, single-threaded
//
// This package holds documentation only.
package village
