package persona

// The IDs of the personas in the built-in B2B catalog.
const (
	FinanceExecutive  ID = "finance-exec"
	LineOfBusiness    ID = "lob-exec"
	DepartmentManager ID = "dept-manager"
	EndUser           ID = "end-user"
	CIO               ID = "cio"
	TechnicalExpert   ID = "tech-expert"
	Procurement       ID = "procurement"
	Security          ID = "security"
	Champion          ID = "champion"
)

// The IDs of the groups in the built-in B2B catalog.
const (
	GroupDecision  = "decision"
	GroupUse       = "use"
	GroupTechnical = "technical"
)

// B2B returns a ready-made catalog for a technology purchase: the six classic
// roles (finance executive, line-of-business executive, departmental
// manager, end user, CIO, technical expert) plus procurement, a security/IT
// gatekeeper and a champion, in three groups.
//
// The weights are a reasoned starting point, to be replaced by calibration
// against the base's own renewals:
//
//   - decision (0.5): the people who sign or refuse the renewal. The
//     line-of-business executive weighs most because the purchase was made
//     for the outcome they own and they judge best whether it was delivered;
//     the finance executive holds the budget and can veto alone;
//     procurement runs the process but rarely decides.
//   - use (0.3): the people who live with the product. Their experience is the
//     leading indicator, but they are also the easiest to hear, so the group
//     is capped below the deciders. The departmental manager speaks for the
//     organisation's efficiency and weighs more than any single end user; the
//     champion is the vendor's voice inside the account.
//   - technical (0.2): integration and architecture. The CIO weighs most; the
//     security/IT gatekeeper can veto alone (a failed security review ends a
//     renewal regardless of anyone's satisfaction).
//
// Each call returns a new Catalog.
func B2B() *Catalog {
	groups := []Group{
		{ID: GroupDecision, Name: "Buying committee", Weight: 0.5,
			Description: "who signs, funds or refuses the renewal"},
		{ID: GroupUse, Name: "People who use it", Weight: 0.3,
			Description: "who works with the product and feels its value first"},
		{ID: GroupTechnical, Name: "Technical and gatekeepers", Weight: 0.2,
			Description: "who integrates, secures and can block it"},
	}
	personas := []Persona{
		{ID: LineOfBusiness, Name: "Line-of-business executive", Group: GroupDecision, Weight: 0.45,
			Role: RoleDecider, Traits: []string{"outcome-focused", "little time"},
			Description: "wants the business outcome that justified the purchase delivered"},
		{ID: FinanceExecutive, Name: "Finance executive", Group: GroupDecision, Weight: 0.35,
			Role: RoleEconomicBuyer, Veto: true, Traits: []string{"cost-conscious"},
			Description: "wants to save money and a dependable vendor that is easy to buy from"},
		{ID: Procurement, Name: "Procurement", Group: GroupDecision, Weight: 0.20,
			Role: RoleGatekeeper, Traits: []string{"process-driven"},
			Description: "wants a clean, compliant purchasing process"},
		{ID: DepartmentManager, Name: "Departmental manager", Group: GroupUse, Weight: 0.40,
			Role: RoleInfluencer, Traits: []string{"domain expert"},
			Description: "wants a more effective, efficient organisation"},
		{ID: EndUser, Name: "End user", Group: GroupUse, Weight: 0.35,
			Role: RoleUser, Traits: []string{"impatient", "not interested in technology"},
			Description: "wants to be personally more productive and timely help when stuck"},
		{ID: Champion, Name: "Champion", Group: GroupUse, Weight: 0.25,
			Role: RoleChampion, Traits: []string{"vocal"},
			Description: "wants the product to succeed and to be seen backing it"},
		{ID: CIO, Name: "CIO", Group: GroupTechnical, Weight: 0.45,
			Role: RoleInfluencer, Traits: []string{"architecture-minded"},
			Description: "wants integration with existing systems and a sustainable architecture"},
		{ID: TechnicalExpert, Name: "Technical expert", Group: GroupTechnical, Weight: 0.30,
			Role: RoleUser, Traits: []string{"hands-on", "opens tickets"},
			Description: "wants to know how it really works, warts and all, and access to experts"},
		{ID: Security, Name: "Security / IT gatekeeper", Group: GroupTechnical, Weight: 0.25,
			Role: RoleGatekeeper, Veto: true, Traits: []string{"risk-averse"},
			Description: "wants the product to pass review and stay compliant"},
	}
	c, err := NewCatalog(groups, personas)
	if err != nil {
		panic("persona: built-in B2B catalog is invalid: " + err.Error())
	}
	return c
}

// B2BTitleRules returns title rules that map common job titles to the
// personas of the B2B catalog. Order matters: the first matching rule wins,
// so specific titles come before generic ones.
//
// There is no fallback: a title no rule matches leaves the contact unmapped
// (an empty Persona), because an answer without knowing who gave it is noise
// (DOMAIN.md). Unmapped contacts are counted (ingest's Summary.Unmapped),
// listed by CoverageAt, and their signals are dropped by scoring with a
// reason of their own. To score them as some persona anyway, set Fallback.
func B2BTitleRules() TitleRules {
	return TitleRules{
		Rules: []TitleRule{
			{Persona: Security, Keywords: []string{"security", "ciso", "compliance", "risk", "infosec"}},
			{Persona: CIO, Keywords: []string{"cio", "chief information officer", "cto", "chief technology officer", "vp it", "head of it", "it director"}},
			{Persona: FinanceExecutive, Keywords: []string{"cfo", "chief financial officer", "finance", "controller", "treasurer"}},
			{Persona: Procurement, Keywords: []string{"procurement", "purchasing", "sourcing", "buyer", "vendor management"}},
			{Persona: LineOfBusiness, Keywords: []string{"ceo", "coo", "chief", "president", "vp", "vice president", "general manager", "head of", "svp", "evp",
				"line of business", "business owner", "managing director", "executive"}},
			{Persona: Champion, Keywords: []string{"champion", "product owner", "program manager", "programme manager"}},
			{Persona: TechnicalExpert, Keywords: []string{"engineer", "developer", "architect", "administrator", "admin", "devops", "analyst", "technician", "sre",
				"technical expert", "technical", "expert", "consultant"}},
			{Persona: DepartmentManager, Keywords: []string{"manager", "director", "lead", "supervisor", "team leader"}},
			{Persona: EndUser, Keywords: []string{"end user", "user", "associate", "specialist", "agent", "representative", "coordinator", "assistant",
				"clerk", "operator", "officer", "staff"}},
		},
	}
}
