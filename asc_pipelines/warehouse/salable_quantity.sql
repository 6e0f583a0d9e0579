-- Salable quantity: enabled source items summed and floored; a product without any is not salable.
UPDATE raw.magento_products AS p
SET salable_qty = coalesce(s.qty, 0)
FROM (
    SELECT pr.sku, floor(sum(si.quantity) FILTER (WHERE si.status = 1))::BIGINT AS qty
    FROM raw.magento_products pr
    LEFT JOIN raw.magento_source_items si ON si.sku = pr.sku
    GROUP BY pr.sku
) AS s
WHERE p.sku = s.sku
