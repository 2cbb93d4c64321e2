package prices

import "fmt"

// GPUPrice is the rental price of one GPU type under one offer, in USD per
// GPU per hour. A self-hosted target with N GPUs costs N times this per hour
// (GPUPrice.Hourly).
type GPUPrice struct {
	// GPU is the normalised GPU type, e.g. H100-SXM-80GB, A100-SXM-80GB,
	// L40S-48GB: model, form factor where it matters, memory.
	GPU string `json:"gpu"`
	// Offer names the provider and the way of paying, unique per GPU type:
	// aws-on-demand, gcp-spot, runpod-community, lambda-on-demand-8x, ...
	Offer string `json:"offer"`
	// Aliases are other names of the offer, e.g. the bare provider name on
	// its default (on-demand, list price) offer.
	Aliases  []string `json:"aliases,omitempty"`
	Provider string   `json:"provider"`
	// Pricing is how it is paid for: on-demand, spot, reserved-1yr, cud-1yr,
	// capacity-block, marketplace, ...
	Pricing string `json:"pricing"`
	// SKU is the instance type or product the price was read from, and
	// GPUsPerInstance how many GPUs it has (the smallest unit one can rent).
	SKU             string  `json:"sku,omitempty"`
	GPUsPerInstance int     `json:"gpus_per_instance,omitempty"`
	USDPerGPUHour   float64 `json:"usd_per_gpu_hour"`
	Region          string  `json:"region,omitempty"`
	// CheckedAt is the day the price was checked (YYYY-MM-DD; a few rows
	// from secondary sources carry only a month or quarter).
	CheckedAt string `json:"checked_at"`
	Source    string `json:"source"`
	SourceURL string `json:"source_url,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

// Hourly is the price of count GPUs for one hour, in USD.
func (g GPUPrice) Hourly(count int) float64 {
	return float64(count) * g.USDPerGPUHour
}

func (g GPUPrice) validate() error {
	if g.GPU == "" || g.Offer == "" {
		return fmt.Errorf("gpu and offer are required")
	}
	if g.USDPerGPUHour <= 0 || g.USDPerGPUHour != g.USDPerGPUHour || g.USDPerGPUHour > 1e4 {
		return fmt.Errorf("usd_per_gpu_hour %v is not a price", g.USDPerGPUHour)
	}
	return nil
}
