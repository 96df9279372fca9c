package retail.customers.server.customertype;

import static retail.customers.server.grpc.ResourceNames.CUSTOMER_TYPES;
import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import retail.customers.db.tables.records.CustomerTypeRecord;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.v1.CustomerType;

/** Customer type rows to API messages. */
final class CustomerTypeMapper {
  private CustomerTypeMapper() {}

  static CustomerType toProto(CustomerTypeRecord row, long customerCount) {
    CustomerType.Builder type =
        CustomerType.newBuilder()
            .setName(ResourceNames.format(CUSTOMER_TYPES, row.getId()))
            .setDisplayName(row.getDisplayName())
            .setCustomerCount(customerCount)
            .setCreateTime(ProtoTime.of(row.getCreateTime()))
            .setUpdateTime(ProtoTime.of(row.getUpdateTime()))
            .setEtag(Etags.of(row.getVersion()));
    if (row.getDiscountPercent() != null) {
      type.setDiscountPercent(row.getDiscountPercent().toPlainString());
    }
    if (row.getTaxClassId() != null) {
      type.setTaxClass(ResourceNames.format(TAX_CLASSES, row.getTaxClassId()));
    }
    return type.build();
  }
}
