package main

// Registration for contractors' office staff: contractor, technician,
// phone, site and assign, each with add, list, show and disable.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/alecthomas/kong"

	"github.com/dezura/dezura/ledger"
)

// registered are the commands of every kind of registration that is
// found by a key: contractor, technician, phone and site.
type registered struct {
	Show    showCmd    `cmd:"" help:"Show one by its ${key}."`
	Disable disableCmd `cmd:"" help:"Disable one: from then on it is refused, and its history stays."`
}

// showCmd shows one registered contractor, technician, phone or site,
// found by its key; which of them is the parent command's name.
type showCmd struct {
	jsonFlag
	Key string `arg:"" name:"key" help:"the ${key}"`
}

func (c *showCmd) Run(ctx context.Context, st ledger.Store, adm ledger.Admin, o *output, kctx *kong.Context) error {
	switch noun := kctx.Selected().Parent.Name; noun {
	case "contractor":
		return show(o, c.JSON, contractorView)(adm.Contractor(ctx, c.Key))
	case "technician":
		return show(o, c.JSON, technicianView)(st.Technician(ctx, c.Key))
	case "phone":
		return show(o, c.JSON, phoneView)(adm.Phone(ctx, c.Key))
	case "site":
		return show(o, c.JSON, siteView)(st.SiteByCode(ctx, c.Key))
	default:
		return fmt.Errorf("%s has no show", noun) // a mistake in the command tree
	}
}

// disableCmd disables one registered contractor, technician, phone or
// site: calls and sign-ups refuse it from then on, and its history stays.
type disableCmd struct {
	Key string `arg:"" name:"key" help:"the ${key}"`
}

var disablers = map[string]func(ledger.Admin, context.Context, string) error{
	"contractor": ledger.Admin.DisableContractor,
	"technician": ledger.Admin.DisableTechnician,
	"phone":      ledger.Admin.DisablePhone,
	"site":       ledger.Admin.DisableSite,
}

func (c *disableCmd) Run(ctx context.Context, adm ledger.Admin, o *output, kctx *kong.Context) error {
	noun := kctx.Selected().Parent.Name
	disable, ok := disablers[noun]
	if !ok {
		return fmt.Errorf("%s has no disable", noun) // a mistake in the command tree
	}
	return o.Done("%s %s disabled", noun, c.Key)(disable(adm, ctx, c.Key))
}

type contractorCmd struct {
	Add        contractorAddCmd  `cmd:"" help:"Register a contractor."`
	List       contractorListCmd `cmd:"" help:"List contractors."`
	registered `embed:""`
}

type contractorJSON struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	CCUSBusinessID string `json:"ccus_business_id"`
	Disabled       bool   `json:"disabled"`
}

type contractorAddCmd struct {
	ID             string `name:"id" required:"" help:"contractor ID (letters, digits, . _ -)"`
	Name           string `required:"" help:"name (事業者名)"`
	CCUSBusinessID string `name:"ccus-business-id" placeholder:"ID" help:"CCUS business ID (事業者ID)"`
}

func (c *contractorAddCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return o.Done("contractor %s added", c.ID)(adm.AddContractor(ctx, ledger.Contractor{ID: c.ID, Name: c.Name, CCUSBusinessID: c.CCUSBusinessID}))
}

var contractorView = view[ledger.Contractor]{
	header: []string{"ID", "NAME", "CCUS BUSINESS ID", "DISABLED"},
	row: func(c ledger.Contractor) []string {
		return []string{c.ID, c.Name, orDash(c.CCUSBusinessID), yesNo(c.Disabled)}
	},
	json: func(c ledger.Contractor) any { return contractorJSON(c) },
}

type contractorListCmd struct{ jsonFlag }

func (c *contractorListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return list(o, c.JSON, contractorView)(adm.Contractors(ctx))
}

type technicianCmd struct {
	Add        technicianAddCmd  `cmd:"" help:"Register a technician."`
	List       technicianListCmd `cmd:"" help:"List technicians."`
	registered `embed:""`
	Import     technicianImportCmd `cmd:"" help:"Register technicians from a CSV file (UTF-8 or Shift_JIS); a file with any bad line changes nothing."`
}

type technicianJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContractorID string `json:"contractor_id,omitempty"`
	Language     string `json:"language"`
	CrewNumber   string `json:"crew_number,omitempty"`
	Disabled     bool   `json:"disabled"`
}

type technicianAddCmd struct {
	ID           string `name:"id" required:"" help:"14-digit CCUS technician ID (技能者ID)"`
	Name         string `required:"" help:"name (氏名)"`
	Contractor   string `placeholder:"ID" help:"contractor ID (所属)"`
	Language     string `enum:"ja,en" default:"ja" help:"prompt language: ja or en"`
	SecurityCode string `placeholder:"NNNN" help:"4-digit security code from the CCUS card (stored hashed)"`
	Phone        string `placeholder:"NUMBER" help:"caller number that identifies this technician"`
	CrewNumber   string `name:"crew-number" placeholder:"NN" help:"2-3 digit number his contractor's foreman keys for him (unique in the contractor)"`
}

func (c *technicianAddCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	row := ledger.TechnicianImport{
		Technician:   ledger.Technician{ID: c.ID, Name: c.Name, ContractorID: c.Contractor, Language: c.Language, CrewNumber: c.CrewNumber},
		SecurityCode: c.SecurityCode, Phone: c.Phone,
	}
	return o.Done("technician %s added", c.ID)(adm.ImportTechnicians(ctx, []ledger.TechnicianImport{row}))
}

var technicianView = view[ledger.Technician]{
	header: []string{"ID", "NAME", "CONTRACTOR", "CREW NO.", "LANGUAGE", "DISABLED"},
	row: func(t ledger.Technician) []string {
		return []string{t.ID, t.Name, orDash(t.ContractorID), orDash(t.CrewNumber), t.Language, yesNo(t.Disabled)}
	},
	json: func(t ledger.Technician) any { return technicianJSON(t) },
}

type technicianListCmd struct {
	jsonFlag
	Contractor string `placeholder:"ID" help:"only technicians of this contractor"`
}

func (c *technicianListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return list(o, c.JSON, technicianView)(adm.Technicians(ctx, c.Contractor))
}

type technicianImportCmd struct {
	File string `arg:"" placeholder:"FILE.csv" help:"the CSV file: a header line, then one technician a line"`
}

// Run reports every bad line, from the file and against the database, in
// one report (ledger.ReadTechnicianImport), so the clerk can fix them all
// at once; a file with any bad line changes nothing.
func (c *technicianImportCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	f, err := os.Open(c.File)
	if err != nil {
		return fileError("read", c.File, err)
	}
	defer f.Close()
	rows, err := ledger.ReadTechnicianImport(ctx, adm, f)
	var bad ledger.ImportErrors
	if errors.As(err, &bad) {
		return c.reportBad(o, bad)
	}
	if err != nil {
		return err
	}
	if err := adm.ImportTechnicians(ctx, rows); err != nil {
		return fmt.Errorf("nothing imported from %s: %w", c.File, err)
	}
	o.Printf("imported %s from %s\n", count(len(rows), "technician"), c.File)
	return nil
}

func (c *technicianImportCmd) reportBad(o *output, bad ledger.ImportErrors) error {
	for _, e := range bad {
		fmt.Fprintf(o.Stderr, "%s:%d: %s\n", c.File, e.Line, e.Reason)
	}
	return fmt.Errorf("%s in %s, nothing imported; fix them and run it again", count(len(bad), "bad line"), c.File)
}

type phoneCmd struct {
	Add        phoneAddCmd  `cmd:"" help:"Register a caller number for a technician or a contractor's foreman."`
	List       phoneListCmd `cmd:"" help:"List phone numbers."`
	registered `embed:""`
}

type phoneJSON struct {
	E164         string `json:"e164"`
	National     string `json:"national"`
	TechnicianID string `json:"technician_id,omitempty"`
	ForemanOf    string `json:"foreman_of,omitempty"`
	Disabled     bool   `json:"disabled"`
	// RegisteredBy is "office" or "self" (the technician by his own call);
	// Since is when; DisabledBy who disabled it.
	RegisteredBy string `json:"registered_by"`
	Since        string `json:"since,omitempty"`
	DisabledBy   string `json:"disabled_by,omitempty"`
}

type phoneAddCmd struct {
	Number     string `arg:"" help:"the phone number, e.g. 090-1234-5678"`
	Technician string `placeholder:"ID" xor:"owner" required:"" help:"technician ID who calls from this number"`
	ForemanOf  string `placeholder:"CONTRACTOR" xor:"owner" required:"" help:"contractor ID whose foreman calls from this number"`
}

func (c *phoneAddCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	e164, _ := ledger.NormalizePhone(c.Number) // AddPhone checks it
	return o.Done("phone %s added", phone(e164))(adm.AddPhone(ctx, ledger.Phone{E164: c.Number, TechnicianID: c.Technician, ContractorID: c.ForemanOf}))
}

var phoneView = view[ledger.Phone]{
	header: []string{"NUMBER", "TECHNICIAN", "FOREMAN OF", "REGISTERED BY", "SINCE", "DISABLED"},
	row: func(p ledger.Phone) []string {
		disabled := "no"
		if p.Disabled {
			disabled = "by " + cmp.Or(p.DisabledBy, ledger.PhoneSourceOffice)
		}
		return []string{phone(p.E164), orDash(p.TechnicianID), orDash(p.ContractorID), p.Source, cliTime(p.Since), disabled}
	},
	json: func(p ledger.Phone) any {
		return phoneJSON{p.E164, phone(p.E164), p.TechnicianID, p.ContractorID, p.Disabled, p.Source, jsonTime(p.Since), p.DisabledBy}
	},
}

type phoneListCmd struct{ jsonFlag }

func (c *phoneListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return list(o, c.JSON, phoneView)(adm.Phones(ctx))
}

type siteCmd struct {
	Add        siteAddCmd  `cmd:"" help:"Register a site."`
	List       siteListCmd `cmd:"" help:"List sites, by code."`
	registered `embed:""`
}

type siteJSON struct {
	Code         string `json:"code"`
	CCUSSiteID   string `json:"ccus_site_id"`
	Name         string `json:"name"`
	ContractorID string `json:"contractor_id,omitempty"`
	OpensOn      string `json:"opens_on,omitempty"`
	ClosesOn     string `json:"closes_on,omitempty"`
	DID          string `json:"did,omitempty"`
	Disabled     bool   `json:"disabled"`
}

type siteAddCmd struct {
	Code       string   `required:"" help:"site code callers key (digits)"`
	Name       string   `required:"" help:"site name (現場名)"`
	CCUSSiteID string   `name:"ccus-site-id" placeholder:"ID" help:"CCUS site ID (現場ID)"`
	Contractor string   `placeholder:"ID" help:"contractor ID"`
	Opens      workDate `help:"first work date (YYYY-MM-DD)"`
	Closes     workDate `help:"last work date (YYYY-MM-DD)"`
	DID        string   `name:"did" placeholder:"NUMBER" help:"called number that selects this site"`
}

func (c *siteAddCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	s := ledger.Site{Code: c.Code, CCUSSiteID: c.CCUSSiteID, Name: c.Name, ContractorID: c.Contractor,
		OpensOn: c.Opens.Time(), ClosesOn: c.Closes.Time(), DID: c.DID}
	return o.Done("site %s added", c.Code)(adm.AddSite(ctx, s))
}

var siteView = view[ledger.Site]{
	header: []string{"CODE", "NAME", "CCUS SITE ID", "CONTRACTOR", "OPENS", "CLOSES", "DID", "DISABLED"},
	row: func(s ledger.Site) []string {
		return []string{s.Code, s.Name, orDash(s.CCUSSiteID), orDash(s.ContractorID), orDash(dateOrEmpty(s.OpensOn)),
			orDash(dateOrEmpty(s.ClosesOn)), orDash(phone(s.DID)), yesNo(s.Disabled)}
	},
	json: func(s ledger.Site) any {
		return siteJSON{s.Code, s.CCUSSiteID, s.Name, s.ContractorID, dateOrEmpty(s.OpensOn), dateOrEmpty(s.ClosesOn), s.DID, s.Disabled}
	},
}

type siteListCmd struct {
	jsonFlag
	Contractor string `placeholder:"ID" help:"only sites of this contractor"`
}

func (c *siteListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	ss, err := adm.Sites(ctx, c.Contractor)
	ledger.SortSites(ss)
	return list(o, c.JSON, siteView)(ss, err)
}

type assignCmd struct {
	Add     assignAddCmd     `cmd:"" help:"Assign a technician to a site."`
	List    assignListCmd    `cmd:"" help:"List assignments, with site and technician names."`
	Show    assignShowCmd    `cmd:"" help:"List the assignments of one site."`
	Disable assignDisableCmd `cmd:"" help:"End a technician's assignment to a site."`
}

type assignmentJSON struct {
	SiteCode       string `json:"site_code"`
	SiteName       string `json:"site_name"`
	TechnicianID   string `json:"technician_id"`
	TechnicianName string `json:"technician_name"`
	Trade          string `json:"trade,omitempty"`
	Role           string `json:"role,omitempty"`
	Disabled       bool   `json:"disabled"`
}

// assignment names a site and a technician.
type assignment struct {
	Site       string `required:"" placeholder:"CODE" help:"site code"`
	Technician string `required:"" placeholder:"ID" help:"technician ID"`
}

type assignAddCmd struct {
	assignment `embed:""`
	Trade      string `help:"trade (職種)"`
	Role       string `help:"role (立場), e.g. 職長"`
}

func (c *assignAddCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	a := ledger.Assignment{SiteCode: c.Site, TechnicianID: c.Technician, Trade: c.Trade, Role: c.Role}
	return o.Done("technician %s assigned to site %s", c.Technician, c.Site)(adm.Assign(ctx, a))
}

var assignmentView = view[ledger.NamedAssignment]{
	header: []string{"SITE", "SITE NAME", "TECHNICIAN", "NAME", "TRADE", "ROLE", "DISABLED"},
	row: func(a ledger.NamedAssignment) []string {
		return []string{a.SiteCode, orDash(a.SiteName), a.TechnicianID, orDash(a.TechnicianName), orDash(a.Trade), orDash(a.Role), yesNo(a.Disabled)}
	},
	json: func(a ledger.NamedAssignment) any {
		return assignmentJSON{a.SiteCode, a.SiteName, a.TechnicianID, a.TechnicianName, a.Trade, a.Role, a.Disabled}
	},
}

type assignListCmd struct {
	jsonFlag
	Site string `placeholder:"CODE" help:"only this site"`
}

func (c *assignListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return list(o, c.JSON, assignmentView)(ledger.AssignmentsWithNames(ctx, adm, c.Site))
}

type assignShowCmd struct {
	jsonFlag
	Site string `arg:"" name:"site-code" help:"the site"`
}

func (c *assignShowCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return list(o, c.JSON, assignmentView)(ledger.AssignmentsWithNames(ctx, adm, c.Site))
}

type assignDisableCmd struct {
	assignment `embed:""`
}

func (c *assignDisableCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return o.Done("assignment of %s at site %s disabled", c.Technician, c.Site)(adm.DisableAssignment(ctx, c.Site, c.Technician))
}
