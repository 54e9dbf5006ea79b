package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// attrLists configures the lists the attribute look-ups show: activity
// languages, customer detail lists and customer custom attributes.
const attrLists = `{
 "activityLanguages": ["en-US", "es-ES"],
 "customerAttributes": {"groupTypes": ["Club", "Family"], "regions": ["EMEA", "APAC"],
   "countries": ["US", "ES"], "industries": ["Retail"], "levels": ["Gold", "Silver"],
   "contactTypes": ["primary", "billing"]},
 "customAttributes": {"case": [], "activity": [], "user": [],
   "customer": [{"name": "tier", "type": "enum", "values": ["gold", "silver"]}, {"name": "crm_id", "type": "string"}]}
}`

// worldWithoutCaseAttributes returns the base world with no case custom
// attribute defined.
func worldWithoutCaseAttributes(t *testing.T) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(baseWorld(t), &doc); err != nil {
		t.Fatal(err)
	}
	doc["customAttributes"].(map[string]any)["case"] = []any{}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAT1CaseAttributesTakeCustomOrAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		path := "/core/casemgr/v3/case/attributes"
		for _, token := range []string{h.login("jenny"), h.client(), h.login("nadia")} {
			for _, q := range []string{"?$attribute=custom", "?$attribute=all"} {
				res := h.do("GET", path+q, token, "")
				res.expect(t, 200, "")
				body := res.JSON(t)
				rtWant(t, "resource", atString(body, "resource"), "case")
				rtWant(t, "name", atString(body, "attribute.0.name"), "custom")
				rtWant(t, "first", atString(body, "attribute.0.value.0.attribName"), "region")
				rtWant(t, "type", atString(body, "attribute.0.value.0.dataType"), "enum")
				rtWant(t, "values", []string{atString(body, "attribute.0.value.0.attribValues.attribValue.0.value"),
					atString(body, "attribute.0.value.0.attribValues.attribValue.1.value")}, []string{"EMEA", "APAC"})
				rtWant(t, "second", atString(body, "attribute.0.value.1.attribName"), "reference")
				rtHas(t, body, "attribute.0.value.1.attribValues", false)
			}
		}
		jenny := h.login("jenny")
		h.refused(400, "400-112", "GET", path, jenny, "")
		h.refused(400, "400-102", "GET", path+"?$attribute=type", jenny, "")
		h.refused(400, "400-102", "GET", path+"?$attribute=", jenny, "")
		h.refused(400, "400-101", "GET", path+"?$attribute=custom&x=1", jenny, "")
		h.refused(401, "401-104", "GET", path+"?$attribute=custom", "", "")
		res := h.do("GET", path+"?$attribute=custom", jenny, "", "Accept", "application/xml")
		res.expect(t, 200, "")
		if !strings.Contains(string(res.Body), "<attributes><attribute><name>custom</name><value><attribName>region</attribName>") {
			t.Errorf("XML: %s", res.Body)
		}
	})
}

func TestAT2CaseAttributesNoneConfiguredIs204(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, worldWithoutCaseAttributes(t))
		res := h.do("GET", "/core/casemgr/v3/case/attributes?$attribute=all", h.login("jenny"), "")
		res.expect(t, 204, "")
		if len(res.Body) != 0 {
			t.Errorf("204 with a body: %s", res.Body)
		}
	})
}

func TestAT3CustomerAttributesLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		h.add(attrLists)
		path := "/core/customermgr/v3/customer/attributes"
		jenny := h.login("jenny")
		res := h.do("GET", path+"?$attribute=all", jenny, "")
		res.expect(t, 200, "")
		body := res.JSON(t)
		rtWant(t, "resource", atString(body, "resource"), "customer")
		var names []string
		for i := 0; at(body, "attribute."+itoa(i)) != nil; i++ {
			names = append(names, atString(body, "attribute."+itoa(i)+".name"))
		}
		rtWant(t, "lists", names, []string{"type", "country", "industry", "level", "contacts", "custom"})
		rtWant(t, "group", atString(body, "attribute.0.value.2.value"), "group")
		rtWant(t, "group types", atString(body, "attribute.0.value.2.group.type.1.value"), "Family")
		rtWant(t, "group regions", atString(body, "attribute.0.value.2.group.region.0.value"), "EMEA")
		rtWant(t, "corporate regions", atString(body, "attribute.0.value.1.corporate.region.1.value"), "APAC")
		rtWant(t, "country", atString(body, "attribute.1.value.1.displayValue"), "ES")
		rtWant(t, "level", atString(body, "attribute.3.value.0.value"), "Gold")
		rtWant(t, "contacts", atString(body, "attribute.4.value.1.value"), "billing")
		rtWant(t, "custom", atString(body, "attribute.5.value.0.attribName"), "tier")

		res = h.do("GET", path+"?$attribute=level,industry", h.client(), "")
		res.expect(t, 200, "")
		rtWant(t, "two lists", []string{atString(res.JSON(t), "attribute.0.name"), atString(res.JSON(t), "attribute.1.name")},
			[]string{"industry", "level"})

		h.refused(400, "400-112", "GET", path, jenny, "")
		h.refused(400, "400-102", "GET", path+"?$attribute=level,shoe", jenny, "")
		h.refused(400, "400-102", "GET", path+"?$attribute=level,", jenny, "")
	})
}

func TestAT4CustomerAttributesAllEmptyIs204(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		res := h.do("GET", "/core/customermgr/v3/customer/attributes?$attribute=all", h.login("jenny"), "")
		res.expect(t, 204, "")
		h.add(`{"customerAttributes": {"levels": ["Gold"]}}`)
		h.do("GET", "/core/customermgr/v3/customer/attributes?$attribute=industry,country", h.login("jenny"), "").expect(t, 204, "")
		h.do("GET", "/core/customermgr/v3/customer/attributes?$attribute=industry,level", h.login("jenny"), "").expect(t, 200, "")
	})
}

func TestActivityAttributesLanguageAndCustom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		path := "/core/casemgr/v3/activity/attributes"
		jenny := h.login("jenny")
		// A world that configures no activity languages has "en" (the
		// languages edit activity accepts).
		res := h.do("GET", path+"?$attribute=language", jenny, "")
		res.expect(t, 200, "")
		rtWant(t, "default language", atString(res.JSON(t), "attribute.0.value.0.value"), "en")
		h.add(attrLists)
		res = h.do("GET", path+"?$attribute=all", jenny, "")
		res.expect(t, 200, "")
		body := res.JSON(t)
		rtWant(t, "resource", atString(body, "resource"), "activity")
		rtWant(t, "names", []string{atString(body, "attribute.0.name"), atString(body, "attribute.1.name"), atString(body, "attribute.2.name")},
			[]string{"type", "language", "custom"})
		rtWant(t, "language", atString(body, "attribute.1.value.1.value"), "es-ES")
		rtWant(t, "custom", atString(body, "attribute.2.value.1.attribName"), "channel_detail")
		res = h.do("GET", path+"?$attribute=custom,language", jenny, "")
		res.expect(t, 200, "")
		rtWant(t, "order", atString(res.JSON(t), "attribute.0.name"), "language")
		h.refused(400, "400-102", "GET", path+"?$attribute=type,mode", jenny, "")
	})
}

// "attributes" is a route of cases and customers, never an invalid ID.
func TestAttributesIsARouteNotAnID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		jenny := h.login("jenny")
		for _, path := range []string{"/core/casemgr/v3/case/attributes", "/core/customermgr/v3/customer/attributes"} {
			res := h.do("GET", path, jenny, "")
			res.expect(t, 400, "400-112")
		}
	})
}
