#!/usr/bin/env python3
"""Seeds a tenant for the console benchmark over the REST API: 50 namespaces
with 2 quota objects each and a reservation, a month of hourly usage (two
usage types, two objects) in each, the team plan, two payment methods and an
add-on. Usage: seed.py BASE_URL TOKEN"""
import datetime, json, sys, urllib.request

base, token = sys.argv[1], sys.argv[2]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": "APIToken " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}")

contact = {"address1": "1 Main St", "city": "Seattle", "country": "US", "contact_type": "BILLING"}
call("POST", "/api/web/namespaces/system/billing/payment_methods", {"token": "tok_visa_4242", "role": "PAYMENT_METHOD_ROLE_PRIMARY", "contact": contact})
call("POST", "/api/web/namespaces/system/billing/payment_methods", {"token": "tok_visa_4343", "contact": contact})
call("POST", "/api/web/namespaces/system/billing/plan_transition", {"new_plan": "team", "payload": {
    "payment_provider_token": "tok_visa_4242", "domain": "acme.example.com", "billing_address": contact}})
call("POST", "/api/web/namespaces/system/addon/subscribe", {"f5xc_waap_advanced": {}})
# Tenant-wide limits above the plan's, so every namespace's reservation fits.
call("POST", "/api/web/namespaces/system/quotas", {"metadata": {"name": "tenant-caps"},
     "spec": {"object_limits": {"http_loadbalancer": {"maximum": 1000}}, "resource_limits": {"vcpu": {"maximum": 1000}}}})

now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
for i in range(50):
    ns = "ns-%02d" % i
    for q in ("lb-cap", "vcpu-cap"):
        call("POST", "/api/web/namespaces/%s/quotas" % ns, {"metadata": {"name": q, "labels": {"env": "prod"}},
             "spec": {"object_limits": {"http_loadbalancer": {"maximum": 10}}, "resource_limits": {"vcpu": {"maximum": 8}}}})
    call("POST", "/api/web/namespaces/%s/quota/reserve" % ns, {"objects": {"http_loadbalancer": 3}, "resources": {"vcpu": 2.5}})
    events = []
    for h in range(1, 721):
        at = (now - datetime.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
        events.append({"id": "%s-r-%d" % (ns, h), "usage_type": "http_requests", "object_name": "lb-%d" % (h % 2),
                       "quantity": str(10000 + 37 * h), "unit_name": "request", "timestamp": at})
        events.append({"id": "%s-v-%d" % (ns, h), "usage_type": "vcpu_hours", "object_name": "vm-1",
                       "quantity": "2", "unit_name": "hour", "timestamp": at})
    res = call("POST", "/api/web/namespaces/%s/usage/events" % ns, events)
    if res.get("rejected"):
        sys.exit("rejected events in %s: %s" % (ns, res["rejected"][:3]))
print("seeded 50 namespaces, %d events" % (50 * 1440))
