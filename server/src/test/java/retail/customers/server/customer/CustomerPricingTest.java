package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerType;
import retail.customers.v1.PricingSource;
import retail.customers.v1.TaxClass;
import retail.customers.v1.UpdateCustomerTypeRequest;
import retail.customers.v1.UpdateTaxClassRequest;

/**
 * Effective discount and tax class (SPEC section 2): the customer's own value,
 * else the type's, else (tax class only) the store default. Tenant A has a
 * default tax class; tenant B never gets one.
 */
class CustomerPricingTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static TaxClass storeDefault;
  private static TaxClass outOfProvince;
  private static TaxClass exempt;

  @BeforeAll
  static void taxClasses() {
    storeDefault = taxClass("Standard", true);
    outOfProvince = taxClass("Out of province", false);
    exempt = taxClass("Exempt", false);
  }

  private static TaxClass taxClass(String name, boolean isDefault) {
    return api.taxClasses().createTaxClass(
        CreateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setDisplayName(name).setIsDefault(isDefault)).build());
  }

  private static CustomerType type(CustomerType.Builder type) {
    return api.customerTypes().createCustomerType(CreateCustomerTypeRequest.newBuilder().setCustomerType(type).build());
  }

  private static Customer create(Customer.Builder customer) {
    return Customers.create(api.customers(), customer);
  }

  private static Customer reread(Customer customer) {
    return Customers.get(api.customers(), customer.getName());
  }

  @Test
  void customerWithoutPricingGetsNoDiscountAndTheStoreDefaultTaxClass() {
    Customer created = create(Customers.valid());

    assertThat(created.hasEffectiveDiscountPercent()).isFalse();
    assertThat(created.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_UNSPECIFIED);
    assertThat(created.getEffectiveTaxClass()).isEqualTo(storeDefault.getName());
    assertThat(created.getEffectiveTaxClassSource()).isEqualTo(PricingSource.PRICING_SOURCE_STORE_DEFAULT);
    assertThat(created.getTaxClass()).isEmpty();
  }

  @Test
  void storeWithoutDefaultTaxClassGivesNone() {
    Customer created = Customers.create(api.customers(api.tenantB().key()), Customers.minimal());

    assertThat(created.getEffectiveTaxClass()).isEmpty();
    assertThat(created.getEffectiveTaxClassSource()).isEqualTo(PricingSource.PRICING_SOURCE_UNSPECIFIED);
  }

  @Test
  void ownValuesWinOverTheType() {
    CustomerType student = type(CustomerType.newBuilder().setDisplayName("Student").setDiscountPercent("10")
        .setTaxClass(outOfProvince.getName()));

    Customer created =
        create(Customers.valid().setCustomerType(student.getName()).setDiscountPercent("25").setTaxClass(exempt.getName()));

    assertThat(created.getEffectiveDiscountPercent()).isEqualTo("25.00");
    assertThat(created.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER);
    assertThat(created.getEffectiveTaxClass()).isEqualTo(exempt.getName());
    assertThat(created.getEffectiveTaxClassSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER);
  }

  @Test
  void ownZeroDiscountIsAValueThatWinsOverTheType() {
    CustomerType staff = type(CustomerType.newBuilder().setDisplayName("Staff").setDiscountPercent("30"));

    Customer created = create(Customers.valid().setCustomerType(staff.getName()).setDiscountPercent("0"));

    assertThat(created.getEffectiveDiscountPercent()).isEqualTo("0.00");
    assertThat(created.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER);
  }

  @Test
  void typeGivesItsValuesToCustomersWithoutTheirOwn() {
    CustomerType veteran = type(CustomerType.newBuilder().setDisplayName("Veteran").setDiscountPercent("12.5")
        .setTaxClass(outOfProvince.getName()));

    Customer created = create(Customers.valid().setCustomerType(veteran.getName()));

    assertThat(created.hasDiscountPercent()).isFalse();
    assertThat(created.getEffectiveDiscountPercent()).isEqualTo("12.50");
    assertThat(created.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER_TYPE);
    assertThat(created.getTaxClass()).isEmpty();
    assertThat(created.getEffectiveTaxClass()).isEqualTo(outOfProvince.getName());
    assertThat(created.getEffectiveTaxClassSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER_TYPE);
  }

  @Test
  void typeWithoutTaxClassLeavesTheStoreDefault() {
    CustomerType vip = type(CustomerType.newBuilder().setDisplayName("VIP").setDiscountPercent("20"));

    Customer created = create(Customers.valid().setCustomerType(vip.getName()));

    assertThat(created.getEffectiveTaxClass()).isEqualTo(storeDefault.getName());
    assertThat(created.getEffectiveTaxClassSource()).isEqualTo(PricingSource.PRICING_SOURCE_STORE_DEFAULT);
  }

  @Test
  void changingTheTypeDiscountChangesTheCustomerEffectiveDiscountAtOnce() {
    CustomerType senior = type(CustomerType.newBuilder().setDisplayName("Senior").setDiscountPercent("5"));
    Customer created = create(Customers.valid().setCustomerType(senior.getName()));

    api.customerTypes().updateCustomerType(
        UpdateCustomerTypeRequest.newBuilder()
            .setCustomerType(senior.toBuilder().setDiscountPercent("7.5"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("discount_percent"))
            .build());

    assertThat(reread(created).getEffectiveDiscountPercent()).isEqualTo("7.50");

    api.customerTypes().updateCustomerType(
        UpdateCustomerTypeRequest.newBuilder()
            .setCustomerType(CustomerType.newBuilder().setName(senior.getName()))
            .setUpdateMask(FieldMask.newBuilder().addPaths("discount_percent"))
            .build());

    Customer withoutTypeDiscount = reread(created);
    assertThat(withoutTypeDiscount.hasEffectiveDiscountPercent()).isFalse();
    assertThat(withoutTypeDiscount.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_UNSPECIFIED);
  }

  @Test
  void clearingTheOwnDiscountFallsBackToTheType() {
    CustomerType member = type(CustomerType.newBuilder().setDisplayName("Member").setDiscountPercent("3"));
    Customer created = create(Customers.valid().setCustomerType(member.getName()).setDiscountPercent("40"));

    Customer updated = Customers.update(api.customers(), created.getName(), Customer.newBuilder(), "discount_percent");

    assertThat(updated.getEffectiveDiscountPercent()).isEqualTo("3.00");
    assertThat(updated.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER_TYPE);
  }

  @Test
  void changingTheCustomerTypeChangesTheEffectivePricing() {
    CustomerType bronze = type(CustomerType.newBuilder().setDisplayName("Bronze").setDiscountPercent("2"));
    CustomerType gold = type(CustomerType.newBuilder().setDisplayName("Gold").setDiscountPercent("8").setTaxClass(exempt.getName()));
    Customer created = create(Customers.valid().setCustomerType(bronze.getName()));

    Customer updated =
        Customers.update(api.customers(), created.getName(), Customer.newBuilder().setCustomerType(gold.getName()), "customer_type");

    assertThat(updated.getCustomerType()).isEqualTo(gold.getName());
    assertThat(updated.getEffectiveDiscountPercent()).isEqualTo("8.00");
    assertThat(updated.getEffectiveTaxClass()).isEqualTo(exempt.getName());
  }

  @Test
  void makingAnotherTaxClassTheDefaultChangesTheCustomersThatFollowTheDefault() {
    Customer followsDefault = create(Customers.valid());
    Customer ownTaxClass = create(Customers.valid().setTaxClass(exempt.getName()));
    TaxClass before = api.taxClasses().getTaxClass(
        retail.customers.v1.GetTaxClassRequest.newBuilder().setName(storeDefault.getName()).build());
    TaxClass other = taxClass("Temporary default " + java.util.UUID.randomUUID(), false);
    try {
      api.taxClasses().updateTaxClass(
          UpdateTaxClassRequest.newBuilder()
              .setTaxClass(other.toBuilder().setIsDefault(true))
              .setUpdateMask(FieldMask.newBuilder().addPaths("is_default"))
              .build());

      assertThat(reread(followsDefault).getEffectiveTaxClass()).isEqualTo(other.getName());
      assertThat(reread(ownTaxClass).getEffectiveTaxClass()).isEqualTo(exempt.getName());
    } finally {
      // Give the default back, so the other tests of this class still see theirs.
      api.taxClasses().updateTaxClass(
          UpdateTaxClassRequest.newBuilder()
              .setTaxClass(TaxClass.newBuilder().setName(before.getName()).setIsDefault(true))
              .setUpdateMask(FieldMask.newBuilder().addPaths("is_default"))
              .build());
    }
  }
}
