package casemgr

// MayLookUp is the permission of the searches of customers and cases: a
// user needs the View Agent Console action (403-105) and any user license
// (403-300); a client application needs neither.
func MayLookUp(a Actor) error {
	if !a.HasAction(ActionViewAgentConsole) {
		return E(CodeActionNotAllowed, "action", ActionViewAgentConsole)
	}
	if !a.HasAnyLicense() {
		return E(CodeNoUserLicense)
	}
	return nil
}
