package main

import (
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/sip/trunk"
)

func TestServeConfigValidateTrunk(t *testing.T) {
	base := func() serveConfig {
		c, err := parseServe()
		if err != nil {
			t.Fatal(err)
		}
		c.DB = "sqlite:x.db"
		return c
	}
	if c := base(); c.TrunkExpires != trunk.DefaultExpires || c.TrunkKeepAlive != trunk.DefaultKeepAlive || c.ReadyNeedsTrunk {
		t.Errorf("flag defaults: expires %v, keep-alive %v, ready needs trunk %v", c.TrunkExpires, c.TrunkKeepAlive, c.ReadyNeedsTrunk)
	}
	c, err := parseServe("--trunk-register", "sip:050@trunk.example", "--trunk-expires", "3m", "--trunk-keepalive", "0", "--ready-needs-trunk")
	if err != nil || c.TrunkExpires != 3*time.Minute || c.TrunkKeepAlive != 0 || !c.ReadyNeedsTrunk {
		t.Errorf("parsed %v %v %v, %v", c.TrunkExpires, c.TrunkKeepAlive, c.ReadyNeedsTrunk, err)
	}
	if _, err := parseServe("--ready-needs-trunk"); err == nil || !strings.Contains(err.Error(), "--trunk-register") || exitCode(err) != 2 {
		t.Errorf("--ready-needs-trunk alone: %v, want a usage error naming --trunk-register", err)
	}
	for _, tt := range []struct {
		name string
		mod  func(*serveConfig)
		want string // "": valid
	}{
		{"registered, defaults", func(c *serveConfig) { c.TrunkRegister = "sip:050@trunk.example" }, ""},
		{"keep-alive off", func(c *serveConfig) { c.TrunkRegister, c.TrunkKeepAlive = "sip:050@trunk.example", 0 }, ""},
		{"ready needs trunk", func(c *serveConfig) { c.TrunkRegister, c.ReadyNeedsTrunk = "sip:050@trunk.example", true }, ""},
		{"ready needs no trunk", func(c *serveConfig) { c.ReadyNeedsTrunk = true }, "--ready-needs-trunk need --trunk-register"},
		{"password without trunk", func(c *serveConfig) { c.TrunkPasswordFile = "pw" }, "need --trunk-register"},
		{"expires too short", func(c *serveConfig) { c.TrunkExpires = 5 * time.Second }, "--trunk-expires"},
		{"expires too long", func(c *serveConfig) { c.TrunkExpires = 48 * time.Hour }, "--trunk-expires"},
		{"expires negative", func(c *serveConfig) { c.TrunkExpires = -time.Minute }, "--trunk-expires"},
		{"keep-alive too short", func(c *serveConfig) { c.TrunkKeepAlive = 100 * time.Millisecond }, "--trunk-keepalive"},
		{"keep-alive negative", func(c *serveConfig) { c.TrunkKeepAlive = -time.Second }, "--trunk-keepalive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mod(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2):
				t.Fatalf("Validate() = %v, want a usage error naming %s", err, tt.want)
			}
		})
	}
}
