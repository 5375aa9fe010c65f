package ledger

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

func sjis(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseTechnicianCSV(t *testing.T) {
	good := "技能者ID,氏名,所属,言語,セキュリティコード,電話番号\r\n" +
		"12345678901234,出面 太郎,demo,ja,0420,090-1234-5678\r\n" +
		"\r\n" +
		"22345678901234,山田 花子,,EN,,\r\n"
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8", []byte(good)},
		{"utf-8 with BOM", append([]byte("\xef\xbb\xbf"), good...)},
		{"shift_jis", sjis(t, good)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ParseTechnicianCSV(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			r := rows[0]
			if r.ID != "12345678901234" || r.Name != "出面 太郎" || r.ContractorID != "demo" || r.Language != "ja" ||
				r.SecurityCode != "0420" || r.Phone != "+819012345678" {
				t.Errorf("row 0 = %+v", r)
			}
			if rows[1].Language != "en" || rows[1].Name != "山田 花子" || rows[1].Phone != "" {
				t.Errorf("row 1 = %+v", rows[1])
			}
		})
	}
}

func TestParseTechnicianCSVBadRows(t *testing.T) {
	data := "technician_id,name,phone,security_code,language\n" +
		"12345678901234,ok,09012345678,,\n" + // line 2 fine
		"1234,short,,,\n" + // 3
		"12345678901234,dup,,,\n" + // 4
		"32345678901234,,,,\n" + // 5
		"42345678901234,x,abc,,\n" + // 6
		"52345678901234,x,090-1234-5678,,\n" + // 7 phone of line 2
		"62345678901234,x,,12345,fr\n" + // 8
		"72345678901234,\"unterminated\n" // 9
	_, err := ParseTechnicianCSV(strings.NewReader(data))
	var ie ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("err %v, want ImportErrors", err)
	}
	want := map[int]string{3: "14 digits", 4: "also on line 2", 5: "name is empty", 6: "not a phone number",
		7: "also on line 2", 8: "4 digits", 9: "quote"}
	got := map[int]string{}
	for _, e := range ie {
		got[e.Line] = e.Reason
	}
	for line, why := range want {
		if !strings.Contains(got[line], why) {
			t.Errorf("line %d: reason %q, want it to mention %q", line, got[line], why)
		}
	}
	if _, ok := got[2]; ok {
		t.Errorf("line 2 reported: %q", got[2])
	}
	if !strings.Contains(err.Error(), "nothing imported") {
		t.Errorf("error text %q", err)
	}
}

func TestParseTechnicianCSVHeader(t *testing.T) {
	tests := []struct{ data, want string }{
		{"", "empty file"},
		{"name\n", "missing column technician_id"},
		{"technician_id,name,shoe_size\n", "unknown column"},
		{"id,technician_id,name\n", "given twice"},
	}
	for _, tt := range tests {
		_, err := ParseTechnicianCSV(strings.NewReader(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("header %q: err %v, want %q", tt.data, err, tt.want)
		}
	}
}

func FuzzParseTechnicianCSV(f *testing.F) {
	f.Add([]byte("technician_id,name,phone\n12345678901234,x,09012345678\n"))
	f.Add([]byte("技能者ID,氏名\n12345678901234,太郎\n"))
	f.Add([]byte("id,name\n\"a\"b,c\n"))
	f.Add([]byte{0x8e, 0x81, 0x96, 0xbc, 0x0a})
	f.Add([]byte("技能者ID,氏名\n12345678901234,=1+2\n22345678901234,八\xff郎\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseTechnicianCSV(bytes.NewReader(data))
		if err != nil {
			if rows != nil {
				t.Fatal("rows and an error")
			}
			return
		}
		for _, r := range rows {
			if !digits14.MatchString(r.ID) || r.Name == "" || CheckText("name", r.Name, MaxTechnicianNameLen) != "" {
				t.Fatalf("bad row accepted: %+v", r)
			}
		}
	})
}
