// Command quickstart builds a synthetic customer base and shows, account by
// account, how much of each village a vendor can actually reach.
package main

import (
	"fmt"
	"log"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
)

func main() {
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: 20})
	if err != nil {
		log.Fatal(err)
	}
	at := base.End
	fmt.Printf("Coverage of %d synthetic accounts on %s\n\n", len(base.Accounts), at.Format("2006-01-02"))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "account\tsegment\tcontacts\tweight heard\tpersonas present\tmissing\tsingle-threaded")
	for i := range base.Accounts {
		a := &base.Accounts[i]
		cov := persona.CoverageAt(a, base.Catalog, at)
		active := 0
		for _, p := range cov.Present {
			active += len(p.Contacts)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%3.0f%%\t%d of %d\t%s\t%s\n",
			a.ID, a.Segment, active, 100*cov.WeightShare, len(cov.Present), base.Catalog.Len(),
			join(cov.Missing), join(cov.SingleThreaded))
	}
	w.Flush()
}

func join(ids []persona.ID) string {
	if len(ids) == 0 {
		return "-"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ",")
}
