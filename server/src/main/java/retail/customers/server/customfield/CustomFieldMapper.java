package retail.customers.server.customfield;

import static retail.customers.server.grpc.ResourceNames.CUSTOM_FIELDS;

import java.util.Arrays;
import retail.customers.db.tables.records.CustomFieldRecord;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.v1.CustomField;

/** Custom field rows to API messages. */
public final class CustomFieldMapper {
  private CustomFieldMapper() {}

  static CustomField toProto(CustomFieldRecord row) {
    return CustomField.newBuilder()
        .setName(ResourceNames.format(CUSTOM_FIELDS, row.getId()))
        .setDisplayName(row.getDisplayName())
        .setValueType(CustomField.ValueType.valueOf(row.getValueType()))
        .addAllOptions(Arrays.asList(row.getOptions()))
        .setRequired(row.getRequired())
        .setCreateTime(ProtoTime.of(row.getCreateTime()))
        .setUpdateTime(ProtoTime.of(row.getUpdateTime()))
        .setEtag(Etags.of(row.getVersion()))
        .build();
  }
}
