package ledger.jmeter;

import com.thoughtworks.xstream.converters.Converter;
import com.thoughtworks.xstream.converters.MarshallingContext;
import com.thoughtworks.xstream.converters.UnmarshallingContext;
import com.thoughtworks.xstream.io.HierarchicalStreamReader;
import com.thoughtworks.xstream.io.HierarchicalStreamWriter;
import com.thoughtworks.xstream.mapper.Mapper;
import com.thoughtworks.xstream.mapper.SecurityMapper;
import com.thoughtworks.xstream.security.WildcardTypePermission;

/**
 * Lets Debian's JMeter 2.13 load test plans with the XStream that Debian ships (1.4.18 or later).
 *
 * <p>That XStream refuses every type not on its allow-list, and JMeter 2.13 predates the allow-list, so loading any
 * plan fails with {@code ForbiddenClassException: org.apache.jmeter.save.ScriptWrapper} (and JMeter still exits 0).
 * JMeter builds one XStream for plans and one for results and registers on each the converters listed in
 * {@code saveservice.properties}; a converter listed with the value {@code collection} is constructed with that
 * XStream's mapper. This one uses the constructor to allow JMeter's own packages on the mapper's security layer,
 * and then converts nothing. List it in a copy of saveservice.properties as
 * {@code _ledger.jmeter.AllowJMeterTypes=collection}, pass the copy with {@code -Jsaveservice_properties=...} and
 * this class with {@code -Juser.classpath=...}. Current JMeter 5.x does not need it.
 */
public final class AllowJMeterTypes implements Converter {
    private static final String[] JMETER_TYPES = {"org.apache.jmeter.**", "org.apache.jorphan.**"};

    public AllowJMeterTypes(Mapper mapper) {
        SecurityMapper security = (SecurityMapper) mapper.lookupMapperOfType(SecurityMapper.class);
        if (security != null) {
            security.addPermission(new WildcardTypePermission(JMETER_TYPES));
        }
    }

    @Override
    @SuppressWarnings("rawtypes")
    public boolean canConvert(Class type) {
        return false;
    }

    @Override
    public void marshal(Object source, HierarchicalStreamWriter writer, MarshallingContext context) {
        throw new UnsupportedOperationException("AllowJMeterTypes converts nothing");
    }

    @Override
    public Object unmarshal(HierarchicalStreamReader reader, UnmarshallingContext context) {
        throw new UnsupportedOperationException("AllowJMeterTypes converts nothing");
    }
}
