package retail.customers.client;

import retail.customers.v1.Address;
import retail.customers.v1.Customer;

/**
 * The README's example session: checks the server's health, creates a
 * customer and reads it back.
 *
 * <pre>
 * java -cp 'client-sdk/target/customers-client.jar:client-sdk/target/lib/*' \
 *     retail.customers.client.QuickStart localhost:50051 ck_...
 * </pre>
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: QuickStart <host:port> <api key>");
      System.exit(2);
    }
    try (CustomersClient customers = CustomersClient.builder(args[0]).apiKey(args[1]).usePlaintext().build()) {
      System.out.println("serving: " + customers.channel().isServing());
      Customer created =
          customers.createCustomer(
              Customer.newBuilder()
                  .setFirstName("Hélène")
                  .setLastName("Tremblay")
                  .setEmail("helene.tremblay@example.com")
                  .setMobilePhone("(514) 555-0123")
                  .setAddress(Address.newBuilder().setCity("Montréal").setPostalCode("h2x1y4").setCountryCode("CA"))
                  .addTags("VIP")
                  .build());
      System.out.println("created:\n" + created);
      Customer read = customers.getCustomer(created.getName());
      System.out.println("read back " + read.getName() + ": " + read.getFirstName() + " " + read.getLastName()
          + ", " + read.getMobilePhone() + ", " + read.getAddress().getPostalCode());
      if (!read.getName().equals(created.getName())) {
        throw new IllegalStateException("read a different customer than the one created");
      }
    }
  }
}
