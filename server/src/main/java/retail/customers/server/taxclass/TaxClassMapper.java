package retail.customers.server.taxclass;

import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import retail.customers.db.tables.records.TaxClassRecord;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.v1.TaxClass;

/** Tax class rows to API messages. */
final class TaxClassMapper {
  private TaxClassMapper() {}

  static TaxClass toProto(TaxClassRecord row) {
    return TaxClass.newBuilder()
        .setName(ResourceNames.format(TAX_CLASSES, row.getId()))
        .setDisplayName(row.getDisplayName())
        .setIsDefault(row.getIsDefault())
        .setCreateTime(ProtoTime.of(row.getCreateTime()))
        .setUpdateTime(ProtoTime.of(row.getUpdateTime()))
        .setEtag(Etags.of(row.getVersion()))
        .build();
  }
}
