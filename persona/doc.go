// Package persona models the people in a B2B customer account: personas,
// the groups they form, the contacts who embody them, the accounts they
// belong to, the jobs they need done, and how much of that village a vendor
// can reach at a point in time.
//
// # The model
//
// A Persona is a kind of person (finance executive, end user, security
// gatekeeper) with a Group, a relative Weight inside that group, a
// buying-centre Role, and a Veto flag for those who can kill a renewal
// alone. A Catalog is the validated, immutable set of personas and groups
// that every other package scores against; B2B returns a ready-made one.
//
// A persona's effective weight in the account is its group's weight times
// its share of the group's persona weight (Catalog.EffectiveWeight). The
// group and persona weights are therefore relative: they need not sum to 1.
//
// A Contact is a person in an Account, mapped to one persona, with a tenure
// [Joined, Left): inclusive at Joined, exclusive at Left. The village at time
// t is a query (Account.ActiveAt, CoverageAt), never a copy, because people
// join, leave and change roles every week.
//
// An Account's Committee holds where its buying decision departs from the
// catalog, each Seat in force over [From, Until): a persona weighing more or
// less here, a veto granted (procurement where the MSA needs its signature)
// or withdrawn, a contact holding a role (economic buyer, sponsor). SeatsAt,
// VetoAt, RoleAt and EffectiveWeightsAt read the committee at a time;
// scoring applies the seats in force.
//
// A FitProfile is an ideal customer profile: rules over an account's Traits,
// segment and ARR whose points make a fit score, classed good, neutral, poor
// or unknown, with the reasons. Characteristics, not problems: fit says who
// the customer is, the health score how they feel.
//
// CRM exports carry job titles, not personas: a TitleMapper maps titles to
// personas with the user's rules (first match wins, explicit fallback) and
// says when no rule matched, so unmapped titles can be reported.
//
// A Job is a job to be done with importance and satisfaction on 0..10;
// Opportunity is Ulwick's importance + max(importance - satisfaction, 0), and
// TopBoxScore and TopTwoBox turn raw ratings into those 0..10 figures.
//
// # Errors
//
// Validation (NewCatalog, Account.Validate, NewTitleMapper) reports every
// problem at once with errors.Join. Each problem is a *FieldError that names
// the field and the value and wraps a sentinel (ErrDuplicateID,
// ErrUnknownGroup, ...) for errors.Is. Nothing here panics on user data.
//
// # Concurrency
//
// Catalog and TitleMapper are immutable after construction and safe for
// concurrent use. Account, Contact, Seat, FitProfile, Coverage and Job are
// plain values; FitProfile's Score and Class allocate nothing.
package persona
