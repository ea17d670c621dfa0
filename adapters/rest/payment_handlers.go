package rest

import (
	"net/http"

	"github.com/billingd/billingd/domain/payment"
	"github.com/gorilla/mux"
)

// Payment methods are tenant-wide: the {namespace} of these paths is
// accepted (and overwrites the body's) but nothing is stored under it.

// createPaymentMethod is op 7.
func (a *api) createPaymentMethod(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req createPaymentMethodRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	req.Namespace = mux.Vars(r)["namespace"]
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	m, err := a.Payments.Create(r.Context(), caller(r), in)
	if err != nil {
		return nil, err
	}
	return createPaymentMethodResponse{Name: m.Name}, nil
}

// paymentMethodRole serves ops 4, 5 and 6; the path name wins over the body.
func paymentMethodRole(change payment.Change) func(*api, http.ResponseWriter, *http.Request) (any, error) {
	return func(a *api, _ http.ResponseWriter, r *http.Request) (any, error) {
		var req paymentMethodRoleRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		if err := a.Payments.ChangeRole(r.Context(), caller(r), mux.Vars(r)["name"], change); err != nil {
			return nil, err
		}
		return empty{}, nil
	}
}

// deletePaymentMethod is op 8; it has no body (one sent is ignored).
func (a *api) deletePaymentMethod(_ http.ResponseWriter, r *http.Request) (any, error) {
	if err := a.Payments.Delete(r.Context(), caller(r), mux.Vars(r)["name"]); err != nil {
		return nil, err
	}
	return empty{}, nil
}
