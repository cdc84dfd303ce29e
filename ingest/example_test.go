package ingest_test

import (
	"fmt"
	"strings"

	"github.com/villagecx/village/ingest"
	"github.com/villagecx/village/persona"
)

func ExampleSignals() {
	in := `account,contact,metric,value,at
acme,dana,nps,9,2026-05-01
acme,eli,csat,five,2026-05-02
acme,gus,nps,3,2026-05-03
`
	r, err := ingest.Signals(strings.NewReader(in), ingest.CSV, "survey.csv", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for s := range r.All() {
		fmt.Println(s.Contact, s.Metric, s.Value)
	}
	fmt.Println(r.Summary().String()) // a Summary is a value: its String needs no variable
	fmt.Println(r.Summary().Errors[0].Error())
	// Output:
	// dana nps 9
	// gus nps 3
	// survey.csv: 3 rows read, 2 accepted, 1 rejected
	//   1 × not a finite number: "five" (line 3, column value)
	// ingest: survey.csv:3: value: not a finite number: "five"
}

// Rows read go straight to their accounts, in the shape a scoring.Batch
// is prepared from; a row naming no known account comes back apart.
func ExampleGroupSignals() {
	in := `account,contact,metric,value,at
acme,dana,nps,9,2026-05-01
globex,lee,nps,4,2026-05-02
acme,gus,nps,3,2026-05-03
initech,ann,nps,10,2026-05-04
`
	r, err := ingest.Signals(strings.NewReader(in), ingest.CSV, "survey.csv", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	accounts := []persona.Account{{ID: "acme"}, {ID: "globex"}}
	byAccount, orphans := ingest.GroupSignals(accounts, r.All())
	for i, sigs := range byAccount {
		fmt.Println(accounts[i].ID, len(sigs), "signal(s)")
	}
	fmt.Println("orphans:", orphans[0].Account)
	// Output:
	// acme 2 signal(s)
	// globex 1 signal(s)
	// orphans: initech
}
