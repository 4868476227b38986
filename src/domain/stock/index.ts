export { StockService, type Change, type DeliveryLine, type DeliveryResult, type StockModel, type StockProduct, type StockVariant } from './service.js';
export { MAX_PRICE_FEN, MAX_UNITS, parseUnits, parseYuan, StockError, type StockErrorCode } from './errors.js';
export { markLowStock, type LowStockAlert } from './low-stock.js';
export { mayManageStock, STOCK_ROLES } from './roles.js';
export { importDeliveryCsv, MAX_DELIVERY_BYTES, MAX_DELIVERY_LINES, readDeliveryCsv, type DeliveryImport, type DeliveryRefusal } from './delivery.js';
