/// Example documents of RFC 6030 (PSKC), as the RFC prints them.
enum RFC6030Figures {
    /// Figure 5: a non-encrypted HOTP key protected by a PIN, the PIN being a second key on the same device.
    static let figure5 = """
    <?xml version="1.0" encoding="UTF-8"?>
    <KeyContainer Version="1.0"
        Id="exampleID1"
        xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
        <KeyPackage>
            <DeviceInfo>
                <Manufacturer>Manufacturer</Manufacturer>
                <SerialNo>987654321</SerialNo>
            </DeviceInfo>
            <CryptoModuleInfo>
                <Id>CM_ID_001</Id>
            </CryptoModuleInfo>
            <Key Id="12345678"
                Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
                <Issuer>Issuer</Issuer>
                <AlgorithmParameters>
                    <ResponseFormat Length="8" Encoding="DECIMAL"/>
                </AlgorithmParameters>
                <Data>
                    <Secret>
                        <PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
                        </PlainValue>
                    </Secret>
                    <Counter>
                        <PlainValue>0</PlainValue>
                    </Counter>
                </Data>
                <Policy>
                    <PINPolicy MinLength="4" MaxLength="4"
                        PINKeyId="123456781" PINEncoding="DECIMAL"
                        PINUsageMode="Local"/>
                    <KeyUsage>OTP</KeyUsage>
                </Policy>
            </Key>
        </KeyPackage>
        <KeyPackage>
            <DeviceInfo>
                <Manufacturer>Manufacturer</Manufacturer>
                <SerialNo>987654321</SerialNo>
            </DeviceInfo>
            <CryptoModuleInfo>
                <Id>CM_ID_001</Id>
            </CryptoModuleInfo>
            <Key Id="123456781"
                Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:pin">
                <Issuer>Issuer</Issuer>
                <AlgorithmParameters>
                    <ResponseFormat Length="4" Encoding="DECIMAL"/>
                </AlgorithmParameters>
                <Data>
                    <Secret>
                        <PlainValue>MTIzNA==</PlainValue>
                    </Secret>
                </Data>
            </Key>
        </KeyPackage>
    </KeyContainer>
    """

    /// Figure 10: bulk provisioning, four HOTP keys, the last two on one device (serial 9999999).
    static let figure10 = """
    <?xml version="1.0" encoding="UTF-8"?>
    <KeyContainer Version="1.0"
        xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
        <KeyPackage>
            <DeviceInfo>
                <Manufacturer>TokenVendorAcme</Manufacturer>
                <SerialNo>654321</SerialNo>
            </DeviceInfo>
            <Key Id="1"
            Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
                <Issuer>Issuer</Issuer>
                <AlgorithmParameters>
                    <ResponseFormat Length="8" Encoding="DECIMAL"/>
                </AlgorithmParameters>
                <Data>
                    <Secret>
                        <PlainValue>
                            MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
                        </PlainValue>
                    </Secret>
                    <Counter>
                        <PlainValue>0</PlainValue>
                    </Counter>
                </Data>
                <Policy>
                    <StartDate>2006-05-01T00:00:00Z</StartDate>
                    <ExpiryDate>2006-05-31T00:00:00Z</ExpiryDate>
                </Policy>
            </Key>
        </KeyPackage>
        <KeyPackage>
            <DeviceInfo>
                <Manufacturer>TokenVendorAcme</Manufacturer>
                <SerialNo>123456</SerialNo>
            </DeviceInfo>
            <Key Id="2"
            Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
                <Issuer>Issuer</Issuer>
                <AlgorithmParameters>
                    <ResponseFormat Length="8" Encoding="DECIMAL"/>
                </AlgorithmParameters>
                <Data>
                    <Secret>
                        <PlainValue>
                            MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
                        </PlainValue>
                    </Secret>
                    <Counter>
                        <PlainValue>0</PlainValue>
                    </Counter>
                </Data>
                <Policy>
                    <StartDate>2006-05-01T00:00:00Z</StartDate>
                    <ExpiryDate>2006-05-31T00:00:00Z</ExpiryDate>
                </Policy>
            </Key>
        </KeyPackage>
        <KeyPackage>
            <DeviceInfo>
                <Manufacturer>TokenVendorAcme</Manufacturer>
                <SerialNo>9999999</SerialNo>
            </DeviceInfo>
            <Key Id="3"
            Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
                <Issuer>Issuer</Issuer>
                <AlgorithmParameters>
                    <ResponseFormat Length="8" Encoding="DECIMAL"/>
                </AlgorithmParameters>
                <Data>
                    <Secret>
                        <PlainValue>
                            MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
                        </PlainValue>
                    </Secret>
                    <Counter>
                        <PlainValue>0</PlainValue>
                    </Counter>
                </Data>
                <Policy>
                    <StartDate>2006-03-01T00:00:00Z</StartDate>
                    <ExpiryDate>2006-03-31T00:00:00Z</ExpiryDate>
                </Policy>
            </Key>
        </KeyPackage>
        <KeyPackage>
            <DeviceInfo>
                <Manufacturer>TokenVendorAcme</Manufacturer>
                <SerialNo>9999999</SerialNo>
            </DeviceInfo>
            <Key Id="4"
            Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
                <Issuer>Issuer</Issuer>
                <AlgorithmParameters>
                    <ResponseFormat Length="8" Encoding="DECIMAL"/>
                </AlgorithmParameters>
                <Data>
                    <Secret>
                        <PlainValue>
                            MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
                        </PlainValue>
                    </Secret>
                    <Counter>
                        <PlainValue>0</PlainValue>
                    </Counter>
                </Data>
                <Policy>
                    <StartDate>2006-04-01T00:00:00Z</StartDate>
                    <ExpiryDate>2006-04-30T00:00:00Z</ExpiryDate>
                </Policy>
            </Key>
        </KeyPackage>
    </KeyContainer>
    """
}
