package payment

import (
	"slices"
	"time"
)

// Workspace is a tenant: its plan decides which methods it may use, its policy who must approve.
// Nothing of one workspace is visible from another.
type Workspace struct {
	ID        WorkspaceID    `json:"id"`
	Name      string         `json:"name"`
	Plan      Plan           `json:"plan"`
	Approval  ApprovalPolicy `json:"approval"`
	CreatedAt time.Time      `json:"created_at"`
}

// Plan is the commercial plan of a workspace.
type Plan struct {
	Name    string   `json:"name"`
	Methods []Method `json:"methods"`
}

// Allows reports whether the plan includes m.
func (p Plan) Allows(m Method) bool { return slices.Contains(p.Methods, m) }

// Built-in plans. A host may define its own.
var (
	PlanStarter    = Plan{Name: "starter", Methods: []Method{MethodBankTransfer, MethodEFT}}
	PlanGrowth     = Plan{Name: "growth", Methods: []Method{MethodBankTransfer, MethodEFT, MethodCard, MethodVirtualAccount}}
	PlanEnterprise = Plan{Name: "enterprise", Methods: Methods()}
)

// ApprovalMode says when a payment needs an approval before it may be submitted.
type ApprovalMode string

// Approval modes.
const (
	// ApprovalNone: pending payments may be submitted directly.
	ApprovalNone ApprovalMode = "none"
	// ApprovalRequired: every payment must be approved.
	ApprovalRequired ApprovalMode = "required"
	// ApprovalThreshold: payments at or above the currency's threshold must be approved; a currency
	// with no threshold always needs approval.
	ApprovalThreshold ApprovalMode = "threshold"
)

// ApprovalPolicy is a workspace's approval workflow.
type ApprovalPolicy struct {
	Mode ApprovalMode `json:"mode"`
	// Thresholds in minor units per currency, for ApprovalThreshold.
	Thresholds map[Currency]int64 `json:"thresholds,omitempty"`
	// MakerChecker forbids the creator of a payment from approving it.
	MakerChecker bool `json:"maker_checker"`
}

// Requires reports whether a payment of amount a needs approval under the policy.
func (p ApprovalPolicy) Requires(a Amount) bool {
	switch p.Mode {
	case ApprovalNone, "":
		return false
	case ApprovalThreshold:
		t, ok := p.Thresholds[a.Currency]
		return !ok || a.Minor >= t
	}
	return true
}
