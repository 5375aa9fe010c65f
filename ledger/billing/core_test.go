package billing

import (
	"errors"
	"testing"
	"time"
)

func d(s string) Date {
	x, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func TestAnniversary(t *testing.T) {
	tests := []struct {
		start string
		k     int
		want  string
	}{
		{"2023-10-16", 0, "2023-10-16"},
		{"2023-10-16", 1, "2024-10-16"},
		{"2023-10-16", 5, "2028-10-16"},
		{"2024-02-29", 0, "2024-02-29"},
		{"2024-02-29", 1, "2025-02-28"},
		{"2024-02-29", 3, "2027-02-28"},
		{"2024-02-29", 4, "2028-02-29"},
		{"2096-02-29", 4, "2100-02-28"}, // 2100 is not a leap year
		{"2096-02-29", 104, "2200-02-28"},
		{"2000-02-29", 400, "2400-02-29"},
		{"2023-02-28", 1, "2024-02-28"},
		{"2023-12-31", 1, "2024-12-31"},
	}
	for _, tt := range tests {
		if got := Anniversary(d(tt.start), tt.k).String(); got != tt.want {
			t.Errorf("Anniversary(%s, %d) = %s, want %s", tt.start, tt.k, got, tt.want)
		}
	}
}

func TestYearlyPeriod(t *testing.T) {
	tests := []struct {
		start string
		k     int
		want  string
	}{
		{"2024-02-29", 0, "2024-02-29 – 2025-02-27"},
		{"2024-02-29", 1, "2025-02-28 – 2026-02-27"},
		{"2024-02-29", 3, "2027-02-28 – 2028-02-28"},
		{"2024-02-29", 4, "2028-02-29 – 2029-02-27"},
		{"2023-10-16", 0, "2023-10-16 – 2024-10-15"},
	}
	for _, tt := range tests {
		if got := YearlyPeriod(d(tt.start), tt.k).String(); got != tt.want {
			t.Errorf("YearlyPeriod(%s, %d) = %s, want %s", tt.start, tt.k, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"2024-02-29", "2024-02-29", false},
		{"2023-02-29", "", true},
		{"2023-13-01", "", true},
		{"20231016", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && got.String() != tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidDate) {
			t.Errorf("ParseDate(%q) error %v does not wrap ErrInvalidDate", tt.in, err)
		}
	}
}

func TestDateOfIsTokyo(t *testing.T) {
	tests := []struct {
		utc  string
		want string
	}{
		{"2024-10-15T14:59:59Z", "2024-10-15"},
		{"2024-10-15T15:00:00Z", "2024-10-16"}, // midnight in Tokyo
	}
	for _, tt := range tests {
		tm, _ := time.Parse(time.RFC3339, tt.utc)
		if got := DateOf(tm).String(); got != tt.want {
			t.Errorf("DateOf(%s) = %s, want %s", tt.utc, got, tt.want)
		}
	}
}

func TestValidateRegistration(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"T7000012050002", true},  // 国税庁 (National Tax Agency)
		{"T6000012050003", true},  // derived: 9 - (3+5+2+2) mod 9 = 6
		{"T6000012050002", false}, // wrong check digit
		{"T8000012050002", false},
		{"7000012050002", false},  // no T
		{"t7000012050002", false}, // lower case
		{"T700001205000", false},  // 12 digits
		{"T70000120500021", false},
		{"T70000120500O2", false},
		{"T9000000000009", true},
	}
	for _, tt := range tests {
		err := ValidateRegistration(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateRegistration(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidRegistration) {
			t.Errorf("error %v does not wrap ErrInvalidRegistration", err)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		base string
		want int
	}{
		{"000012050002", 7}, // 国税庁 7000012050002
		{"000000000000", 9}, // 9 - 0
		{"000000000009", 9}, // 9 - (9 mod 9)
		{"000000000001", 8},
		{"000000000010", 7}, // weight 2 on the second-lowest digit
		{"12345678901", -1},
		{"00000000000a", -1},
	}
	for _, tt := range tests {
		if got := CheckDigit(tt.base); got != tt.want {
			t.Errorf("CheckDigit(%q) = %d, want %d", tt.base, got, tt.want)
		}
	}
}

func TestTaxByRate(t *testing.T) {
	tests := []struct {
		name                   string
		lines                  []Line
		wantSub, wantTax, want Yen
	}{
		{"campaign", []Line{{Amount: 15000, TaxRate: 10}}, 15000, 1500, 16500},
		{"rounded once per rate, not per line", []Line{{Amount: 105, TaxRate: 10}, {Amount: 105, TaxRate: 10}}, 210, 21, 231},
		{"rounded down", []Line{{Amount: 1999, TaxRate: 10}}, 1999, 199, 2198},
		{"two rates", []Line{{Amount: 1001, TaxRate: 10}, {Amount: 1001, TaxRate: 8}}, 2002, 100 + 80, 2182},
		{"credit note", []Line{{Amount: -15000, TaxRate: 10}}, -15000, -1500, -16500},
		{"empty", nil, 0, 0, 0},
	}
	for _, tt := range tests {
		sub, tax, total := Totals(TaxByRate(tt.lines))
		if sub != tt.wantSub || tax != tt.wantTax || total != tt.want {
			t.Errorf("%s: got %d/%d/%d, want %d/%d/%d", tt.name, sub, tax, total, tt.wantSub, tt.wantTax, tt.want)
		}
	}
}

func TestAnnualDue(t *testing.T) {
	plan := CampaignPlan
	withInitial := plan
	withInitial.InitialFee = 3000
	tests := []struct {
		name       string
		sub        Subscription
		plan       Plan
		asOf       string
		wantStarts []string
		wantFirst  Yen // sum of the first charge's lines
	}{
		{"before start", Subscription{Start: d("2023-10-16")}, plan, "2023-10-15", nil, 0},
		{"on start", Subscription{Start: d("2023-10-16")}, plan, "2023-10-16", []string{"2023-10-16"}, 15000},
		{"day before renewal", Subscription{Start: d("2023-10-16")}, plan, "2024-10-15", []string{"2023-10-16"}, 15000},
		{"on renewal", Subscription{Start: d("2023-10-16")}, plan, "2024-10-16", []string{"2023-10-16", "2024-10-16"}, 15000},
		{"catch-up three years", Subscription{Start: d("2023-10-16")}, plan, "2026-12-01", []string{"2023-10-16", "2024-10-16", "2025-10-16", "2026-10-16"}, 15000},
		{"leap start", Subscription{Start: d("2024-02-29")}, plan, "2028-02-29", []string{"2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"}, 15000},
		{"leap start, day before", Subscription{Start: d("2024-02-29")}, plan, "2025-02-27", []string{"2024-02-29"}, 15000},
		{"initial fee", Subscription{Start: d("2024-01-01")}, withInitial, "2025-01-01", []string{"2024-01-01", "2025-01-01"}, 18000},
		{"cancelled before renewal", Subscription{Start: d("2023-10-16"), CancelledOn: d("2024-05-01")}, plan, "2026-01-01", []string{"2023-10-16"}, 15000},
		{"cancelled on the anniversary", Subscription{Start: d("2023-10-16"), CancelledOn: d("2024-10-16")}, plan, "2026-01-01", []string{"2023-10-16"}, 15000},
		{"cancelled the day after", Subscription{Start: d("2023-10-16"), CancelledOn: d("2024-10-17")}, plan, "2026-01-01", []string{"2023-10-16", "2024-10-16"}, 15000},
		{"cancelled before start", Subscription{Start: d("2023-10-16"), CancelledOn: d("2023-10-16")}, plan, "2026-01-01", nil, 0},
	}
	for _, tt := range tests {
		got := AnnualDue(tt.sub, tt.plan, d(tt.asOf))
		if len(got) != len(tt.wantStarts) {
			t.Errorf("%s: %d charges, want %d", tt.name, len(got), len(tt.wantStarts))
			continue
		}
		for i, c := range got {
			if c.Period.Start.String() != tt.wantStarts[i] || c.Kind != KindAnnual || c.IssueOn != c.Period.Start {
				t.Errorf("%s: charge %d = %+v, want start %s", tt.name, i, c, tt.wantStarts[i])
			}
		}
		if len(got) > 0 {
			var sum Yen
			for _, l := range got[0].Lines {
				sum += l.Amount
			}
			if sum != tt.wantFirst {
				t.Errorf("%s: first charge %d yen, want %d", tt.name, sum, tt.wantFirst)
			}
			if len(got) > 1 && len(got[1].Lines) != 1 {
				t.Errorf("%s: renewal has %d lines, want 1 (no initial fee)", tt.name, len(got[1].Lines))
			}
		}
	}
}

func TestClosedMonths(t *testing.T) {
	plan := Plan{Name: "p", PerAttendance: 100, TaxRate: 10, AvailableFrom: d("2020-01-01")}
	tests := []struct {
		name string
		sub  Subscription
		plan Plan
		asOf string
		want []string
	}{
		{"no rate", Subscription{Start: d("2024-01-15")}, CampaignPlan, "2024-06-01", nil},
		{"month not closed", Subscription{Start: d("2024-01-15")}, plan, "2024-01-31", nil},
		{"first partial month", Subscription{Start: d("2024-01-15")}, plan, "2024-02-01", []string{"2024-01-15 – 2024-01-31"}},
		{"three months", Subscription{Start: d("2024-01-15")}, plan, "2024-04-10", []string{"2024-01-15 – 2024-01-31", "2024-02-01 – 2024-02-29", "2024-03-01 – 2024-03-31"}},
		{"cancelled mid-month", Subscription{Start: d("2024-01-15"), CancelledOn: d("2024-02-10")}, plan, "2024-06-01", []string{"2024-01-15 – 2024-01-31", "2024-02-01 – 2024-02-09"}},
	}
	for _, tt := range tests {
		got := ClosedMonths(tt.sub, tt.plan, d(tt.asOf))
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i].String() != tt.want[i] {
				t.Errorf("%s: month %d = %s, want %s", tt.name, i, got[i], tt.want[i])
			}
		}
	}
	c, ok := AttendanceCharge(Subscription{}, plan, MonthPeriod(d("2024-03-01")), 7)
	if !ok || c.Lines[0].Amount != 700 || c.IssueOn.String() != "2024-04-01" {
		t.Errorf("AttendanceCharge = %+v, %v", c, ok)
	}
	if _, ok := AttendanceCharge(Subscription{}, plan, MonthPeriod(d("2024-03-01")), 0); ok {
		t.Error("AttendanceCharge with 0 days should charge nothing")
	}
}

func TestPlanAvailability(t *testing.T) {
	p := Plan{Name: "x", AnnualFee: 1, TaxRate: 10, AvailableFrom: d("2023-10-16"), AvailableUntil: d("2024-03-31")}
	tests := []struct {
		on string
		ok bool
	}{{"2023-10-15", false}, {"2023-10-16", true}, {"2024-03-31", true}, {"2024-04-01", false}}
	for _, tt := range tests {
		if got := p.AvailableOn(d(tt.on)); got != tt.ok {
			t.Errorf("AvailableOn(%s) = %v", tt.on, got)
		}
	}
	if err := CampaignPlan.Validate(); err != nil {
		t.Error(err)
	}
	bad := []Plan{{}, {Name: "n", AnnualFee: -1, AvailableFrom: d("2023-01-01")}, {Name: "n", TaxRate: 101, AvailableFrom: d("2023-01-01")}, {Name: "n"},
		{Name: "n", AvailableFrom: d("2023-01-02"), AvailableUntil: d("2023-01-01")}}
	for _, p := range bad {
		if err := p.Validate(); !errors.Is(err, ErrInvalidPlan) {
			t.Errorf("Validate(%+v) = %v", p, err)
		}
	}
}

func TestKindRoundTrip(t *testing.T) {
	for _, k := range []Kind{KindAnnual, KindAttendance, KindCredit} {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseKind("unknown"); err == nil {
		t.Error("ParseKind(unknown) should fail")
	}
}
