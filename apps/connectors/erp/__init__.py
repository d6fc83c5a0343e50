"""Journal entries exported for ERP voucher imports (Kingdee, Yonyou, a generic layout), as data-driven layouts."""
