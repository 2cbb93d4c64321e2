package prices

import (
	"fmt"

	"github.com/inferbench/inferbench/results"
)

// Named looks prices up by name the way a scorecard plan names them
// (reports/decide.PriceCatalog): a model's per-token price as a manifest
// snapshot, a GPU offer's price per GPU-hour, each with its source.
type Named struct{ *Catalog }

// TokenPrice is the whole per-token price of model at provider (provider
// may be empty), as a run's manifest keeps it: cache-write prices and the
// long-context tier included, labelled by its catalogue entry.
func (n Named) TokenPrice(provider, model string) (results.Prices, error) {
	tp, err := n.Lookup(provider, model)
	if err != nil {
		return results.Prices{}, err
	}
	p := Snapshot(tp)
	p.Source = "catalogue " + tp.Provider + "/" + tp.Model
	return p, nil
}

// GPUPrice is the USD per GPU-hour of one GPU of gpuType under offer,
// where that price comes from and the day it was checked.
func (n Named) GPUPrice(gpuType, offer string) (usdPerGPUHour float64, source, checkedAt string, err error) {
	g, err := n.GPU(gpuType, offer)
	if err != nil {
		return 0, "", "", err
	}
	return g.USDPerGPUHour, fmt.Sprintf("catalogue %s %s, checked %s", g.GPU, g.Offer, g.CheckedAt), g.CheckedAt, nil
}
